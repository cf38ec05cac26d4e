"""Publishing: one statement's way into the log, outside the web.

    accept -> record -> sequence -> answer

- ``pipeline.py``: the whole way, for one statement (``Publisher.publish``);
- ``accept.py``: where a statement is accepted, given what this site holds (the
  rules that need no database are in firsthand/statements/rules.py);
- ``rows.py`` / ``rows_sql.py``: where its row is recorded (SQLite, PostgreSQL),
  with ``listings.py`` and ``group_commit.py``;
- ``routes.py``: how it reaches the log's one sequencer (in this process, over
  the intake socket of ``intake.py``, or by rows and NOTIFY of ``notify.py``);
- ``sequence.py``: where its head is logged and its index written back;
- ``withhold.py``: where a logged withholding notice is carried out (``erasure.py``);
- ``process.py``: this process's log, sequencer and route, from the settings;
- ``sequencer_process.py``: what `firsthand sequencer` runs.

It imports the log and the statements, and Django's database connection and
settings (the rows are Django-migrated tables), never firsthand.web: the web
parses HTTP and calls it, and `firsthand sequencer` runs it without the web.
docs/architecture.md walks one statement through it.
"""
