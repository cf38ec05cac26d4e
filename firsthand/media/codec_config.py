"""What a codec configuration record may hold: parameter sets, and SEI of numbers only.

A video's sample entry carries its decoder configuration (avcC for H.264, hvcC and lhvC
for HEVC and MV-HEVC, av1C for AV1). These are copied verbatim from the upload by ffmpeg,
so what they may hold is judged here, NAL unit by NAL unit (ISO/IEC 14496-15):

  - parameter sets (H.264 SPS 7, PPS 8, SPS extension 13; HEVC VPS 32, SPS 33, PPS 34)
    are numbers: structure;
  - SEI messages (H.264 NAL 6, HEVC 39/40) are judged by payload type (ITU-T H.264 and
    H.265 Annex D): timing, recovery points, HDR mastering display and light levels are
    numbers; user data (types 4 and 5: x265 writes its whole command line in type 5)
    and the time code (136, the time of day) are not;
  - anything else, or a byte after the last unit, is not structure.

Each judging function returns None for structure, or why it is not. An HEVC record
whose only fault is a text SEI is rebuilt without it (hevc_config_without_text), since
every file x265 wrote carries one; an AVC record holding one is refused (x264 writes its
settings in the stream, not in avcC).
"""

from __future__ import annotations

from collections.abc import Iterator


class _Cut(ValueError):
    """A record or message shorter than it says."""


def _nal_units(data: bytes, pos: int, count: int, length_bytes: int) -> Iterator[bytes]:
    for _ in range(count):
        if pos + length_bytes > len(data):
            raise _Cut("a codec configuration is cut short")
        size = int.from_bytes(data[pos : pos + length_bytes], "big")
        pos += length_bytes
        if pos + size > len(data) or size == 0:
            raise _Cut("a parameter set runs past its configuration")
        yield data[pos : pos + size]
        pos += size


# SEI messages that hold numbers only (ITU-T H.264/H.265 Annex D payload types): HDR
# mastering display and light levels, timing, recovery points. Others can hold text or a
# vendor's bytes (5: user data unregistered, where x265 writes its command line; 4: user
# data registered; 136: time code, the time of day) and are not structure.
_NUMBER_SEI = {0, 1, 6, 129, 137, 144, 147}


def _unescape(rbsp: bytes) -> bytes:
    """Remove emulation prevention bytes (00 00 03 -> 00 00)."""
    return rbsp.replace(b"\0\0\3", b"\0\0")


def _sei_types(unit: bytes, header: int) -> list[int]:
    """The payload types of the SEI messages in one SEI NAL unit."""
    data, pos, found = _unescape(unit[header:]), 0, []
    while pos < len(data) and data[pos:] != b"\x80":
        values = []
        for _ in range(2):  # payloadType, then payloadSize: 0xFF bytes add 255 each
            value = 0
            while pos < len(data) and data[pos] == 0xFF:
                value += 255
                pos += 1
            if pos >= len(data):
                raise _Cut("a cut SEI message")
            value += data[pos]
            pos += 1
            values.append(value)
        found.append(values[0])
        pos += values[1]
    return found


def _sei_reason(unit: bytes, header: int) -> str | None:
    try:
        types = _sei_types(unit, header)
    except _Cut as error:
        return str(error)
    other = [kind for kind in types if kind not in _NUMBER_SEI]
    if other:
        return (
            f"an SEI message of type {other[0]} (it can hold text, such as an encoder's "
            "settings), not a parameter set"
        )
    return None


def avc_config(payload: bytes) -> str | None:
    """avcC: SPS (7), PPS (8), SPS extensions (13) and SEI holding numbers only (HDR
    levels, timing), and nothing after them."""
    try:
        if len(payload) < 7 or payload[0] != 1:
            return "not an AVC configuration record"
        pos, units = 5, []
        for allowed, mask in ((7, 0x1F), (8, 0xFF)):
            count = payload[pos] & mask
            pos += 1
            found = list(_nal_units(payload, pos, count, 2))
            pos += sum(2 + len(unit) for unit in found)
            units += [(unit, allowed) for unit in found]
        if pos < len(payload) and payload[1] not in (66, 77, 88):  # High profiles
            if len(payload) < pos + 4:
                return "a cut AVC configuration record"
            count = payload[pos + 3]
            pos += 4
            found = list(_nal_units(payload, pos, count, 2))
            pos += sum(2 + len(unit) for unit in found)
            units += [(unit, 13) for unit in found]
        if pos != len(payload):
            return "bytes after the parameter sets"
        for unit, allowed in units:
            if unit[0] & 0x1F == 6:
                reason = _sei_reason(unit, 1)
                if reason:
                    return reason
            elif unit[0] & 0x1F != allowed:
                return f"a NAL unit of type {unit[0] & 0x1F} (data), not a parameter set"
    except _Cut as error:
        return str(error)
    return None


# HEVC NAL unit types: VPS 32, SPS 33, PPS 34 are parameter sets; 39/40 are SEI, judged
# by their messages' types (_NUMBER_SEI).
_HEVC_PARAMETER_SETS = {32, 33, 34}
_HEVC_SEI = {39, 40}


def _hevc_arrays(payload: bytes) -> tuple[int, list[tuple[int, list[bytes]]]]:
    """An HEVC record's fixed header length, and its arrays: (the array's first byte,
    which holds its NAL type, and its units). _Cut if it does not end where they do."""
    pos = 22 if payload[:1] == b"\x01" else 6  # lhvC has a 6-byte header
    if len(payload) < pos + 1:
        raise _Cut("not an HEVC configuration record")
    header, count = pos, payload[pos]
    pos += 1
    arrays = []
    for _ in range(count):
        if pos + 3 > len(payload):
            raise _Cut("a cut HEVC configuration record")
        first, units = payload[pos], int.from_bytes(payload[pos + 1 : pos + 3], "big")
        found = list(_nal_units(payload, pos + 3, units, 2))
        pos += 3 + sum(2 + len(unit) for unit in found)
        arrays.append((first, found))
    if pos != len(payload):
        raise _Cut("bytes after the parameter sets")
    return header, arrays


def _hevc_unit_reason(unit: bytes, array_type: int) -> str | None:
    unit_type = (unit[0] >> 1) & 0x3F
    if unit_type != array_type:
        return "a NAL unit whose type is not its array's"
    if unit_type in _HEVC_SEI:  # prefix and suffix SEI: judged message by message
        return _sei_reason(unit, 2)
    if unit_type not in _HEVC_PARAMETER_SETS:
        return f"a NAL unit of type {unit_type} (data), not a parameter set"
    return None


def hevc_config(payload: bytes) -> str | None:
    """hvcC (and lhvC): arrays of VPS, SPS, PPS and SEI holding numbers only (an Android
    HDR recording's mastering display and light levels), and nothing after them."""
    try:
        _, arrays = _hevc_arrays(payload)
    except _Cut as error:
        return str(error)
    for first, units in arrays:
        for unit in units:
            reason = _hevc_unit_reason(unit, first & 0x3F)
            if reason:
                return reason
    return None


def hevc_config_without_text(payload: bytes) -> bytes | None:
    """The record rebuilt without its SEI units that can hold text (x265's settings, with
    its build, compiler, CPU and every option it was given, paths included), keeping the
    parameter sets and SEI of numbers (HDR levels) as they are; an array left empty goes.

    None if there is nothing to take out, or the record holds something else that is
    not structure: hevc_config refuses it then. The decoder needs none of what goes:
    SEI messages never change how a picture decodes (H.265 Annex D).
    """
    try:
        header, arrays = _hevc_arrays(payload)
    except _Cut:
        return None
    kept, dropped = [], 0
    for first, units in arrays:
        array_type = first & 0x3F
        keep = []
        for unit in units:
            is_sei = array_type in _HEVC_SEI and (unit[0] >> 1) & 0x3F == array_type
            if is_sei and _sei_reason(unit, 2):
                dropped += 1
                continue
            keep.append(unit)
        if keep:
            kept.append((first, keep))
    if not dropped:
        return None
    rebuilt = bytearray(payload[:header])
    rebuilt.append(len(kept))
    for first, units in kept:
        rebuilt += bytes([first]) + len(units).to_bytes(2, "big")
        for unit in units:
            rebuilt += len(unit).to_bytes(2, "big") + unit
    return bytes(rebuilt) if hevc_config(bytes(rebuilt)) is None else None


def av1_config(payload: bytes) -> str | None:
    """av1C: 4 bytes, then config OBUs: only sequence headers (OBU type 1)."""
    pos = 4
    while pos < len(payload):
        header = payload[pos]
        obu_type = (header >> 3) & 0x0F
        if obu_type != 1 or not header & 0x02:
            return "an AV1 configuration with an OBU that is not a sequence header"
        pos += 2 if header & 0x04 else 1
        size, shift = 0, 0
        while pos < len(payload):
            byte = payload[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        pos += size
    return None if pos == len(payload) else "a cut AV1 configuration"
