// tlogcheck verifies a firsthand log with Go's golang.org/x/mod/sumdb/note and
// tlog packages: an implementation nobody on the firsthand team wrote.
//
// It reads the C2SP checkpoint and tiles over HTTP, checks the checkpoint's
// signature with note.Open, rebuilds the tree hash from the tiles with
// tlog.TileHashReader (which authenticates every tile against the root), and
// checks inclusion proofs for the given indexes (tlog.ProveRecord and
// tlog.CheckRecord) against the entries in the C2SP entry bundles. Given an
// older checkpoint file, it also checks consistency (tlog.ProveTree and
// tlog.CheckTree).
//
// Other modes: -genkey NAME prints a private and a verifier key made by Go;
// -open FILE -key VKEY opens a signed note with Go's note.Open, and with
// -cosigner VKEY also checks a witness's tlog-cosignature (cosig.go).
//
// Built with GOPATH=/usr/share/gocode GO111MODULE=off (Debian's x/mod).
package main

import (
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	if resp.StatusCode != 200 {
		fail("GET %s: status %d", url, resp.StatusCode)
	}
	return body
}

// openCheckpoint verifies a C2SP checkpoint note and parses its body.
func openCheckpoint(data []byte, verifier note.Verifier) (origin string, tree tlog.Tree) {
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open on the checkpoint: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint body has fewer than three lines: %q", n.Text)
	}
	origin = lines[0]
	if origin != verifier.Name() {
		fail("checkpoint origin %q is not the key name %q", origin, verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size %q: %v", lines[1], err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("checkpoint root %q is not a base64 SHA-256 hash", lines[2])
	}
	tree.N = size
	copy(tree.Hash[:], root)
	return origin, tree
}

// c2spPath turns Go's sumdb tile path (tile/8/L/N, tile/8/data/N) into C2SP's.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

type httpTiles struct{ base string }

func (h httpTiles) Height() int { return height }

func (h httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(h.base + "/" + c2spPath(t))
	}
	return out, nil
}

func (h httpTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// entryAt reads entry i from its C2SP entry bundle (uint16 big-endian lengths).
func entryAt(base string, tree tlog.Tree, i int64) []byte {
	t := tlog.Tile{H: height, L: -1, N: i / (1 << height), W: 1 << height}
	if rest := tree.N - t.N*(1<<height); rest < int64(t.W) {
		t.W = int(rest)
	}
	bundle := get(base + "/" + c2spPath(t))
	want := i % (1 << height)
	for k := int64(0); len(bundle) > 0; k++ {
		if len(bundle) < 2 {
			fail("entry bundle %s truncated", c2spPath(t))
		}
		n := int(bundle[0])<<8 | int(bundle[1])
		if len(bundle) < 2+n {
			fail("entry bundle %s truncated", c2spPath(t))
		}
		if k == want {
			return bundle[2 : 2+n]
		}
		bundle = bundle[2+n:]
	}
	fail("entry %d not in its bundle", i)
	return nil
}

func main() {
	base := flag.String("url", "", "the log's base URL")
	vkey := flag.String("key", "", "verifier key of the log (or of the note with -open)")
	indexes := flag.String("index", "", "comma-separated entry indexes to prove")
	oldFile := flag.String("old", "", "an older checkpoint file to prove consistent")
	genkey := flag.String("genkey", "", "print a new private and verifier key with this name")
	openFile := flag.String("open", "", "open this signed note with -key")
	cosigner := flag.String("cosigner", "", "with -open: also check this witness's cosignature")
	flag.Parse()

	if *genkey != "" {
		skey, vk, err := note.GenerateKey(rand.Reader, *genkey)
		if err != nil {
			fail("GenerateKey: %v", err)
		}
		fmt.Println(skey)
		fmt.Println(vk)
		return
	}

	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", *vkey, err)
	}

	if *openFile != "" {
		data, err := os.ReadFile(*openFile)
		if err != nil {
			fail("%v", err)
		}
		n, err := note.Open(data, note.VerifierList(verifier))
		if err != nil {
			fail("note.Open: %v", err)
		}
		fmt.Printf("OK note by %s, %d bytes of text\n", n.Sigs[0].Name, len(n.Text))
		if *cosigner != "" {
			timestamp, err := checkCosignature(n, *cosigner)
			if err != nil {
				fail("%v", err)
			}
			fmt.Printf("OK cosigned at %d\n", timestamp)
		}
		return
	}

	origin, tree := openCheckpoint(get(*base+"/checkpoint"), verifier)
	fmt.Printf("OK checkpoint %s size %d signed by %s\n", origin, tree.N, verifier.Name())

	reader := tlog.TileHashReader(tree, httpTiles{*base})
	th, err := tlog.TreeHash(tree.N, reader)
	if err != nil {
		fail("TreeHash from tiles: %v", err)
	}
	if th != tree.Hash {
		fail("tree hash from tiles %v is not the checkpoint root %v", th, tree.Hash)
	}
	fmt.Printf("OK tree hash from tiles equals the root\n")

	if *indexes != "" {
		for _, s := range strings.Split(*indexes, ",") {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fail("index %q: %v", s, err)
			}
			proof, err := tlog.ProveRecord(tree.N, i, reader)
			if err != nil {
				fail("ProveRecord(%d): %v", i, err)
			}
			leaf := tlog.RecordHash(entryAt(*base, tree, i))
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, i, leaf); err != nil {
				fail("CheckRecord(%d): %v", i, err)
			}
			fmt.Printf("OK entry %d is in the tree (%d proof hashes)\n", i, len(proof))
		}
	}

	if *oldFile != "" {
		data, err := os.ReadFile(*oldFile)
		if err != nil {
			fail("%v", err)
		}
		_, old := openCheckpoint(data, verifier)
		if old.N == 0 || old.N > tree.N {
			fail("old size %d cannot be checked against %d", old.N, tree.N)
		}
		proof, err := tlog.ProveTree(tree.N, old.N, reader)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
			fail("CheckTree: %v", err)
		}
		fmt.Printf("OK size %d is consistent with size %d\n", old.N, tree.N)
	}

}
