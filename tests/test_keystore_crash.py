"""Crash safety of the SQLite key store under SIGKILL.

A worker process creates and destroys keys in a loop and journals each step to a
log file (fsynced): ``c``/``d`` *before* it asks the store, ``C``/``D`` once the
store acknowledged. The test kills it at random moments, reopens the store and
checks that:

* the database opens and ``PRAGMA integrity_check`` says ``ok``;
* every key acknowledged as created, and not since submitted for deletion, is
  present with exactly its attributes and material (the seal verifies);
* every key acknowledged as deleted is gone;
* every key present was at least submitted by the worker, and is intact
  (a create interrupted before its acknowledgement may or may not have landed,
  but never half-way).

Some kills land while the worker opens the store (WAL recovery), and a second
test kills workers while they create a fresh store and its storage key file.

Workers are forked from a *zygote*: a subprocess running the small script below
that imports psacrypto once and never opens a store itself, so each kill costs a
fork instead of an interpreter start-up and the test stays fast.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from psacrypto.attributes import KeyAttributes
from psacrypto.keystore import KeyRecord, SqliteKeyStore

REPO = Path(__file__).resolve().parent.parent
KILLS = 25
OWNERS = ("", "alice")

ZYGOTE = r"""
import os, random, sys
sys.path.insert(0, sys.argv[1])
from psacrypto.keystore import SqliteKeyStore
from test_keystore_crash import expected_record


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def worker(path, log_path, run):
    rng = random.Random(run)
    log = open(log_path, "a")

    def note(line):
        log.write(line + "\n")
        log.flush()
        os.fsync(log.fileno())

    say(f"OPENING {os.getpid()}")
    store = SqliteKeyStore(path)
    owners = ["", "alice"]
    live = {o: set(store.list_ids(o)) for o in owners}
    next_id = run * 1_000_000 + 1
    say(f"READY {os.getpid()}")
    while True:
        owner = rng.choice(owners)
        tag = owner or "-"
        if live[owner] and rng.random() < 0.4:
            kid = rng.choice(sorted(live[owner]))
            note(f"d {tag} {kid}")
            store.delete(owner, kid)
            note(f"D {tag} {kid}")
            live[owner].discard(kid)
        else:
            kid = next_id
            next_id += 1
            note(f"c {tag} {kid}")
            store.create(expected_record(owner, kid))
            note(f"C {tag} {kid}")
            live[owner].add(kid)


say("ZYGOTE")
for command in sys.stdin:
    path, log_path, run = command.rstrip("\n").split("\t")
    pid = os.fork()
    if pid == 0:
        try:
            worker(path, log_path, int(run))
        finally:
            os._exit(3)  # only reached if the worker failed on its own
    _, status = os.waitpid(pid, 0)
    say(f"EXIT {pid} {status}")
"""


def expected_record(owner: str, key_id: int) -> KeyRecord:
    """The record the worker writes for (owner, id): deterministic, varied sizes."""
    digest = hashlib.sha256(f"{owner}/{key_id}".encode()).digest()
    material = digest * (1 + key_id % 4)
    attrs = KeyAttributes(
        type=0x2400 if key_id % 2 else 0x1100,
        bits=8 * len(material),
        lifetime=0x00000001,
        id=key_id,
        usage_flags=0x0300 | (key_id % 3),
        algorithm=0x05500200 if key_id % 2 else 0x03800009,
    )
    return KeyRecord(owner=owner, key_id=key_id, attributes=attrs, material=material)


class Zygote:
    """Drives the zygote subprocess: start a worker, kill it, confirm it died."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        assert self._line() == "ZYGOTE"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "zygote exited"
        return line.rstrip("\n")

    def run_and_kill(self, db: Path, log: Path, run: int, *, at: str, delay: float) -> None:
        """Fork a worker, wait for its ``at`` line (OPENING/READY), sleep
        ``delay``, SIGKILL it, and check it died of that signal."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{db}\t{log}\t{run}\n")
        self.proc.stdin.flush()
        while True:
            word, pid_s = self._line().split(" ")[:2]
            pid = int(pid_s)
            assert word != "EXIT", "worker exited before it was killed"
            if word == at:
                break
        if delay:
            time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        while True:  # the zygote reaps it, so the pid cannot be reused before this
            word, pid_s, *rest = self._line().split(" ")
            if word == "EXIT" and int(pid_s) == pid:
                status = int(rest[0])
                break
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


@pytest.fixture
def zygote() -> Iterator[Zygote]:
    proc = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(REPO / "tests")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        yield Zygote(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _parse_log(log_path: Path) -> dict[str, set[tuple[str, int]]]:
    kinds: dict[str, set[tuple[str, int]]] = {k: set() for k in "cCdD"}
    if not log_path.exists():
        return kinds
    for line in log_path.read_text().split("\n")[:-1]:  # drop an unterminated last line
        kind, tag, kid = line.split(" ")
        kinds[kind].add(("" if tag == "-" else tag, int(kid)))
    return kinds


def _check_store(db_path: Path, log_path: Path) -> int:
    """Verify the store against the log; return the number of live keys."""
    kinds = _parse_log(log_path)
    must_exist = kinds["C"] - kinds["d"]
    must_not_exist = kinds["D"]
    store = SqliteKeyStore(db_path)  # opens (and recovers the WAL) cleanly
    try:
        conn = sqlite3.connect(db_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            conn.close()
        for owner, kid in must_exist:
            assert store.load(owner, kid) == expected_record(owner, kid), (owner, kid)
        for owner, kid in must_not_exist:
            assert store.load(owner, kid) is None, (owner, kid)
        live = 0
        for owner in store.owners():
            assert owner in OWNERS
            for kid in store.list_ids(owner):
                assert (owner, kid) in kinds["c"], ("phantom key", owner, kid)
                assert store.load(owner, kid) == expected_record(owner, kid), (owner, kid)
                live += 1
        for owner in OWNERS:  # authenticates every record's attributes as well
            store.list_attributes(owner)
        return live
    finally:
        store.close()


def test_sigkill_at_random_moments(tmp_path: Path, zygote: Zygote) -> None:
    db_path = tmp_path / "crash.db"
    log_path = tmp_path / "ops.log"
    rng = random.Random(0x5EED)
    for run in range(KILLS):
        if run % 6 == 5:  # while opening: WAL recovery after the previous kill
            zygote.run_and_kill(db_path, log_path, run, at="OPENING", delay=rng.uniform(0, 0.002))
        else:  # in the middle of the create/delete loop
            zygote.run_and_kill(db_path, log_path, run, at="READY", delay=rng.uniform(0.01, 0.25))
        _check_store(db_path, log_path)
    kinds = _parse_log(log_path)
    in_flight = len(kinds["c"] - kinds["C"]) + len(kinds["d"] - kinds["D"])
    counts = {k: len(v) for k, v in kinds.items()}
    # The loop must have done real work, and kills must have landed mid-operation.
    assert counts["C"] >= KILLS and counts["D"] >= 5 and in_flight >= 1, counts


def test_sigkill_while_creating_the_store(tmp_path: Path, zygote: Zygote) -> None:
    """Kill during the first open (database file, schema, storage key file, key
    check): the next open must succeed and leave a usable, consistent store."""
    rng = random.Random(0xC0FFEE)
    for run in range(12):
        db_path = tmp_path / f"fresh{run}" / "keys.db"
        db_path.parent.mkdir()
        log_path = db_path.parent / "ops.log"
        zygote.run_and_kill(db_path, log_path, run, at="OPENING", delay=rng.uniform(0.0, 0.004))
        _check_store(db_path, log_path)
        with SqliteKeyStore(db_path) as store:
            store.create(expected_record("alice", 1))
            assert store.load("alice", 1) == expected_record("alice", 1)
        key_file = Path(str(db_path) + ".key")
        assert key_file.stat().st_size == 32 and (key_file.stat().st_mode & 0o777) == 0o600
