"""Benchmark of the Temps 1 import: the job through the API and real workers, against a
single-process reference and a naive script, on one generated workbook (not run by CI).

    python bench/run_bench.py --taille petit                 # 5 000 entités, 30 000 dispositifs
    python bench/run_bench.py --taille national --workers 2  # 20 000 entités, 100 000 dispositifs
    python bench/run_bench.py --taille national --skip-naive
    python bench/run_bench.py --taille plafond --skip-naive   # 140 000 dispositifs, ~19 Mio

Measured in one run, each on a fresh database (created, migrated, dropped):
  (f) the physical floor, ../shared/bench/limit_t1.py: the file, then its re-saved copy;
  (a) the job: POST /api/v1/imports (application automatique) → `termine`, through the API and a
      Celery worker (`offre worker --concurrency N`), with the worker's peak RSS and PSS (sums
      over its process tree); then the re-import of a re-saved copy of the file (same rows,
      other bytes: expects 0 création, 0 modification); per département, the delay between
      its commit and the progress event on Redis pub/sub; then three one-département files of
      500 dispositifs on the same stack (upload → valide, → termine);
  (b) bench/reference_pipeline.py: calamine → validation → COPY → INSERT … ON CONFLICT;
  (c) bench/naive_import.py: openpyxl + one INSERT per row (beyond --naive-limite seconds, it
      is measured on the « petit » file and extrapolated linearly, and says so).
A French summary is printed; everything measured goes to bench/out/bench_<taille>_<date>.json.

The service code used is, by default, a snapshot of git HEAD (`--code HEAD`, exported to
bench/out/code-<sha>/) so that edits in the working tree during a run cannot change what is
measured; `--code .` measures the working tree, `--code DIR` any checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
import redis

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
COURRIEL = "camille.banc-essai@social.gouv.fr"
FINAL = ("termine", "echec", "annule", "invalide")
FLOOR = REPO.parent / "shared" / "bench" / "limit_t1.py"
TAILLES = {"petit": (5_000, 30_000), "national": (20_000, 100_000), "plafond": (20_000, 140_000)}
SMALL = (100, 500)  # one département's file: entités, dispositifs
SMALL_SEEDS = (101, 102, 103)
CIBLES: dict[str, float] = {
    "a_sur_plancher": 1.5,
    "reimport_sur_plancher": 1.5,
    "pss_mo": 400,
    "petit_valide_s": 0.5,
    "petit_termine_s": 1.0,
    "delai_s": 1.0,
}


# ---------------------------------------------------------------- code, databases, processes


def prepare_code(spec: str) -> tuple[Path, str]:
    """The directory whose service/api/tasks/workers are measured, and a label for it."""
    if spec == ".":
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        ).stdout.count("\n")
        sha = _git("rev-parse", "--short=12", "HEAD")
        return REPO, f"arbre de travail ({sha} + {dirty} fichiers modifiés ou nouveaux)"
    if spec != "HEAD" and Path(spec).is_dir():
        return Path(spec).resolve(), f"répertoire {spec}"
    sha = _git("rev-parse", "--short=12", spec)
    dest = OUT / f"code-{sha}"
    if not dest.exists():
        tmp = OUT / f"code-{sha}.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "service", "api", "tasks", "workers"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        tmp.rename(dest)
    return dest, f"instantané de {spec} ({sha})"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def fresh_database(name: str, keep: bool = False) -> Iterator[str]:
    from service.db.migrate import upgrade

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(name)
    try:
        upgrade(url)
        yield url
    finally:
        if not keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM to the process group we created (the worker's pool children included)."""
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _iso(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


# ---------------------------------------------------------------- samplers and listeners


class Sampler(threading.Thread):
    """RSS (sum over each watched process tree) every 0.2 s, and CPU seconds of those trees
    and of the PostgreSQL backends serving ``db_name`` (their process title names it).
    Peaks and CPU are counted per window (``reset()``)."""

    def __init__(self, db_name: str | None = None, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.db_name, self.interval = db_name, interval
        self.roots: dict[str, int] = {}
        self.lock = threading.Lock()
        self.halted = threading.Event()
        self.peak_sum: Counter[str] = Counter()
        self.peak_single: Counter[str] = Counter()
        self.peak_procs: Counter[str] = Counter()
        self.peak_pss: Counter[str] = Counter()
        self.cpu_last: dict[int, tuple[str, float]] = {}
        self.cpu_base: dict[int, float] = {}
        self.samples = 0

    def watch(self, label: str, pid: int) -> None:
        with self.lock:
            self.roots[label] = pid

    def reset(self) -> None:
        with self.lock:
            self.peak_sum.clear()
            self.peak_single.clear()
            self.peak_procs.clear()
            self.peak_pss.clear()
            self.cpu_base = {pid: cpu for pid, (_, cpu) in self.cpu_last.items()}

    def cpu(self) -> dict[str, float]:
        with self.lock:
            total: dict[str, float] = {}
            for pid, (label, cpu) in self.cpu_last.items():
                total[label] = total.get(label, 0.0) + cpu - self.cpu_base.get(pid, 0.0)
            return {k: round(v, 2) for k, v in total.items()}

    @staticmethod
    def _cpu(p: psutil.Process) -> float:
        t = p.cpu_times()
        return float(t.user + t.system)

    def _sample(self, tick: int) -> None:
        with self.lock:
            roots = dict(self.roots)
        for label, pid in roots.items():
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            rss, pss = [], []
            for p in procs:
                with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    rss.append(p.memory_info().rss)
                    if tick % 5 == 0:  # PSS reads smaps_rollup: once a second
                        pss.append(p.memory_full_info().pss)
                    cpu = self._cpu(p)
                    with self.lock:
                        self.cpu_last[p.pid] = (label, cpu)
            with self.lock:
                self.peak_pss[label] = max(self.peak_pss[label], sum(pss))
                self.peak_sum[label] = max(self.peak_sum[label], sum(rss))
                self.peak_single[label] = max(self.peak_single[label], max(rss, default=0))
                self.peak_procs[label] = max(self.peak_procs[label], len(rss))
        if self.db_name and tick % 5 == 0:  # PostgreSQL backends: once a second is enough
            needle = f" {self.db_name} "
            for p in psutil.process_iter(["cmdline"]):
                title = " ".join(p.info["cmdline"] or ())
                if needle in title and title.startswith("postgres:"):
                    with suppress(psutil.NoSuchProcess):
                        cpu = self._cpu(p)
                        with self.lock:
                            self.cpu_last[p.pid] = ("postgresql", cpu)

    def run(self) -> None:
        tick = 0
        while not self.halted.is_set():
            self._sample(tick)
            self.samples += 1
            tick += 1
            self.halted.wait(self.interval)

    def halt(self) -> None:
        self.halted.set()
        self.join(5)
        self._sample(0)  # last CPU figures


@dataclass
class Event:
    perf: float
    wall: float
    job: dict[str, Any]


class EventListener(threading.Thread):
    """Every progress event of our deployment (pattern subscription made before any submit)."""

    def __init__(self, prefix: str) -> None:
        super().__init__(daemon=True)
        self.client = redis.Redis.from_url(REDIS_URL)
        self.pubsub = self.client.pubsub()
        self.pubsub.psubscribe(f"{prefix}offre:job:*")
        self.subscribed = threading.Event()
        self.events: list[Event] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.halted = threading.Event()

    def run(self) -> None:
        while not self.halted.is_set():
            message = self.pubsub.get_message(timeout=0.05)
            if message is None:
                continue
            if message["type"] == "psubscribe":
                self.subscribed.set()
                continue
            if message["type"] != "pmessage":
                continue
            perf, wall = time.perf_counter(), time.time()
            job = json.loads(message["data"])
            with self.changed:
                self.events.append(Event(perf, wall, job))
                self.changed.notify_all()

    def for_job(self, job_id: int) -> list[Event]:
        with self.lock:
            return [e for e in self.events if e.job.get("id") == job_id]

    def wait_final(self, job_id: int, timeout: float) -> Event | None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while time.monotonic() < deadline:
                for e in self.events:
                    if e.job.get("id") == job_id and e.job.get("statut") in FINAL:
                        return e
                self.changed.wait(2.0)
        return None

    def halt(self) -> None:
        self.halted.set()
        self.join(2)
        self.pubsub.close()
        self.client.close()


class CommitPoller(threading.Thread):
    """When each département's `termine` becomes visible in Postgres (every 20 ms).

    A commit seen by poll n happened after the start of poll n-1: that bound is kept, so the
    delay commit → event computed from it is an upper bound (the conservative side)."""

    def __init__(self, url: str, job_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.job_id = url, job_id
        self.seen: dict[str, float] = {}
        self.polls = 0
        self.halted = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            previous = time.time()
            while not self.halted.is_set():
                started = time.time()
                rows = conn.execute(
                    "SELECT departement FROM offre.job_departement "
                    "WHERE job_id = %s AND statut = 'termine'",
                    (self.job_id,),
                ).fetchall()
                self.polls += 1
                for (dep,) in rows:
                    self.seen.setdefault(dep, previous)
                previous = started
                self.halted.wait(0.02)

    def halt(self) -> None:
        self.halted.set()
        self.join(5)


# ---------------------------------------------------------------- (a) the service


@dataclass
class Stack:
    env: dict[str, str]
    url: str
    code: Path
    api: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    worker_log: Path
    base_url: str
    token: str


def _cli(env: dict[str, str], code: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@contextmanager
def service_stack(url: str, code: Path, workers: int, tag: str) -> Iterator[Stack]:
    prefix = f"bench-{tag}-{os.getpid()}:"
    logs = OUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "OFFRE_SECRET_KEY": secrets.token_urlsafe(32),
        "OFFRE_REDIS_PREFIX": prefix,
        "OFFRE_DATA_DIR": str(OUT / "data"),
        "PYTHONPATH": str(code),
    }
    _cli(env, code, "utilisateurs", "ajouter", "--courriel", COURRIEL, "--profil", "ADMIN_NATIONAL")
    printed = _cli(env, code, "utilisateurs", "jeton", "--courriel", COURRIEL)
    token = printed.strip().splitlines()[-1]
    port = free_port()
    api_log, worker_log = logs / f"api-{tag}.log", logs / f"worker-{tag}.log"

    def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as handle:
            return subprocess.Popen(
                [sys.executable, "-m", "service.cli", *args],
                env=env,
                cwd=code,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    api = start(["api", "--port", str(port)], api_log)
    worker = start(["worker", "--concurrency", str(workers)], worker_log)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            if api.poll() is not None or worker.poll() is not None:
                raise RuntimeError(f"l'API ou le worker s'est arrêté : voir {logs}")
            with suppress(httpx.HTTPError):
                if httpx.get(base + "/ready", timeout=2).status_code == 200 and re.search(
                    rb"celery@\S+ ready", worker_log.read_bytes()
                ):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"pile non prête après 60 s : voir {logs}")
            time.sleep(0.2)
        yield Stack(env, url, code, api, worker, worker_log, base, token)
    finally:
        stop(worker)
        stop(api)
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


_TASK_DONE = re.compile(rb"Task (offre\.[a-z_]+)\[[^\]]+\] succeeded in ([0-9.e-]+)s")


def _task_stats(log: Path, start: int) -> dict[str, Any]:
    text = log.read_bytes()[start:]
    counts: Counter[str] = Counter()
    seconds: dict[str, float] = {}
    longest: dict[str, float] = {}
    for match in _TASK_DONE.finditer(text):
        name, secs = match[1].decode(), float(match[2])
        counts[name] += 1
        seconds[name] = seconds.get(name, 0.0) + secs
        longest[name] = max(longest.get(name, 0.0), secs)
    return {
        "executions": dict(counts),
        "secondes_cumulees": {k: round(v, 3) for k, v in seconds.items()},
        "plus_longue": {k: round(v, 3) for k, v in longest.items()},
        "deja_pris": text.count(b"unit.deja_pris"),
        "echecs": text.count(b"unit.echec"),
    }


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def import_once(
    stack: Stack, path: Path, listener: EventListener, sampler: Sampler, timeout: float
) -> dict[str, Any]:
    log_start = stack.worker_log.stat().st_size
    sampler.reset()
    client = httpx.Client(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {stack.token}"}, timeout=300
    )
    data = path.read_bytes()
    t0, w0 = time.perf_counter(), time.time()
    response = client.post(
        "/api/v1/imports",
        files={"fichier": (path.name, data)},
        data={"application": "automatique", "mode": "complement", "par_departement": "false"},
    )
    t_post = time.perf_counter()
    if response.status_code != 202:
        raise RuntimeError(f"dépôt refusé : {response.status_code} {response.text[:500]}")
    job_id = int(response.json()["id"])
    poller = CommitPoller(stack.url, job_id)
    poller.start()
    final = listener.wait_final(job_id, timeout)
    t_end = final.perf if final else time.perf_counter()
    poller.halt()
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    sampler._sample(0)
    peak = (sampler.peak_sum["worker"], sampler.peak_single["worker"], sampler.peak_procs["worker"])
    peak_pss = sampler.peak_pss["worker"]
    cpu = sampler.cpu()
    events = listener.for_job(job_id)
    client.close()

    def first(predicate: Any) -> float | None:
        return next((round(e.perf - t0, 3) for e in events if predicate(e.job)), None)

    # Per département: event arrival vs. `fin` (the row's timestamp) and vs. the commit seen.
    arrival: dict[str, float] = {}
    fin: dict[str, float] = {}
    debut_egal_fin = 0
    for e in events:
        for d in e.job.get("departements", []):
            if d["statut"] == "termine" and d["departement"] not in arrival:
                arrival[d["departement"]] = e.wall
                fin_ts = _iso(d.get("fin"))
                if fin_ts is not None:
                    fin[d["departement"]] = fin_ts
                if d.get("debut") and d.get("debut") == d.get("fin"):
                    debut_egal_fin += 1
    delay_fin = [arrival[d] - fin[d] for d in arrival if d in fin]
    delay_commit = [arrival[d] - poller.seen[d] for d in arrival if d in poller.seen]
    seconds = t_end - t0
    lines = int(job.get("lignes") or 0)
    job_debut, job_fin = _iso(job.get("debut")), _iso(job.get("fin"))
    return {
        "job_id": job_id,
        "statut": job.get("statut"),
        "message": job.get("message"),
        "secondes": round(seconds, 3),
        "lignes": lines,
        "lignes_par_s": round(lines / seconds) if seconds else None,
        "depot_http_s": round(t_post - t0, 3),
        "creations": job.get("creations"),
        "modifications": job.get("modifications"),
        "inchanges": job.get("inchanges"),
        "erreurs": job.get("erreurs"),
        "avertissements": job.get("avertissements"),
        "departements": len(job.get("departements", [])),
        "departements_termines": sum(
            1 for d in job.get("departements", []) if d["statut"] == "termine"
        ),
        "chronologie_s": {
            "debut_analyse": round(job_debut - w0, 3) if job_debut else None,
            "premier_evenement": first(lambda j: True),
            "debut_plan": first(lambda j: len(j.get("departements", [])) > 0),
            "fin_analyse": first(lambda j: j.get("statut") in ("valide", "application", *FINAL)),
            "fin_entites": first(lambda j: j.get("etape") == "departements"),
            "premier_departement": first(
                lambda j: any(d["statut"] == "termine" for d in j.get("departements", []))
            ),
            "fin": round(seconds, 3),
            "fin_job_en_base": round(job_fin - w0, 3) if job_fin else None,
        },
        "evenements": len(events),
        "rss_worker_max_mo": round(peak[0] / 2**20, 1),
        "rss_worker_max_processus_mo": round(peak[1] / 2**20, 1),
        "processus_worker": peak[2],
        "pss_worker_max_mo": round(peak_pss / 2**20, 1),
        "cpu_s": cpu,
        "coeurs_worker_moyens": round(cpu.get("worker", 0.0) / seconds, 2) if seconds else None,
        "delai_evenement_depuis_fin_s": _stats(delay_fin),
        "delai_evenement_depuis_commit_s": _stats(delay_commit),
        "departements_debut_egal_fin": debut_egal_fin,
        "sondages_commit": poller.polls,
        "taches": _task_stats(stack.worker_log, log_start),
    }


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "min": round(min(values), 3),
        "mediane": round(statistics.median(values), 3),
        "p95": round(_percentile(values, 0.95) or 0, 3),
        "max": round(max(values), 3),
        "plus_de_1s": sum(1 for v in values if v > 1.0),
    }


def drain(stack: Stack, timeout: float = 900) -> dict[str, Any]:
    """Wait until the broker queues of our deployment are empty and nothing is unacked."""
    prefix = stack.env["OFFRE_REDIS_PREFIX"]
    client = redis.Redis.from_url(REDIS_URL)
    start, log_start = time.perf_counter(), stack.worker_log.stat().st_size
    initial = sum(int(client.llen(f"{prefix}{q}")) for q in ("long", "court"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = sum(int(client.llen(f"{prefix}{q}")) for q in ("long", "court"))
        unacked = int(client.hlen(f"{prefix}unacked"))
        if waiting == 0 and unacked == 0:
            break
        time.sleep(0.25)
    client.close()
    return {
        "messages_en_attente_a_la_fin": initial,
        "secondes": round(time.perf_counter() - start, 2),
        "taches": _task_stats(stack.worker_log, log_start),
    }


@contextmanager
def py_spy(pid: int, target: Path | None) -> Iterator[None]:
    """py-spy (if asked) on the worker and its pool children, raw collapsed stacks to ``target``."""
    if target is None:
        yield
        return
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(target),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(60)
        except subprocess.TimeoutExpired:
            spy.kill()
        if target.exists():
            target.with_suffix(".resume.txt").write_text(collapse(target))


def collapse(raw: Path, top: int = 40) -> str:
    """Own and inclusive share of the hottest frames of a py-spy raw (collapsed) file."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            incl[frame] += n
    out = [f"{total} échantillons"]
    out += [f"propre {100 * n / total:5.1f} %  {f}" for f, n in own.most_common(top)]
    out += [f"inclus {100 * n / total:5.1f} %  {f}" for f, n in incl.most_common(top)]
    return "\n".join(out) + "\n"


def deadlocks(db_name: str) -> int | None:
    """Deadlocks PostgreSQL logged for ``db_name`` (best effort: None if no log is readable)."""
    logs = sorted(Path("/var/log/postgresql").glob("postgresql-*.log"))
    if not logs:
        return None
    count = 0
    for log in logs:
        with suppress(OSError), log.open("rb") as handle:
            for line in handle:
                if b"deadlock detected" in line and db_name.encode() in line:
                    count += 1
    return count


def run_service(
    path: Path,
    resaved: Path,
    small: list[Path],
    code: Path,
    workers: int,
    tag: str,
    keep: bool,
    spy: bool = False,
) -> dict[str, Any]:
    db_name = f"offre_bench_{tag}_svc_{os.getpid()}"
    with fresh_database(db_name, keep) as url:
        with service_stack(url, code, workers, tag) as stack:
            sampler = Sampler(stack.url.rsplit("/", 1)[1])
            sampler.watch("worker", stack.worker.pid)
            sampler.watch("api", stack.api.pid)
            sampler.start()
            listener = EventListener(stack.env["OFFRE_REDIS_PREFIX"])
            listener.start()
            if not listener.subscribed.wait(10):
                raise RuntimeError("abonnement Redis impossible")
            time.sleep(1.0)
            idle = sampler.peak_sum["worker"]
            try:
                print("  (a) import par l'API et les workers…", flush=True)
                spy_out = OUT / f"pyspy_{tag}_import.txt" if spy else None
                with py_spy(stack.worker.pid, spy_out):
                    first = import_once(stack, path, listener, sampler, timeout=3600)
                print(f"      {first['statut']} en {first['secondes']:.1f} s", flush=True)
                residue = drain(stack)
                print(
                    f"      file résiduelle : {residue['messages_en_attente_a_la_fin']} messages, "
                    f"vidée en {residue['secondes']:.1f} s",
                    flush=True,
                )
                print("  (a') ré-import de la copie ré-enregistrée…", flush=True)
                spy_out = OUT / f"pyspy_{tag}_reimport.txt" if spy else None
                with py_spy(stack.worker.pid, spy_out):
                    second = import_once(stack, resaved, listener, sampler, timeout=3600)
                print(f"      {second['statut']} en {second['secondes']:.1f} s", flush=True)
                drain(stack)
                print("  (p) fichiers d'un département (500 dispositifs)…", flush=True)
                smalls = [import_once(stack, f, listener, sampler, timeout=600) for f in small]
                for one in smalls:
                    print(
                        f"      {one['statut']} : valide à "
                        f"{_n(one['chronologie_s']['fin_analyse'], 3)} s, terminé à "
                        f"{one['secondes']:.3f} s",
                        flush=True,
                    )
            finally:
                sampler.halt()
                listener.halt()
        return {
            "workers": workers,
            "interblocages_postgresql": deadlocks(db_name),
            "rss_worker_au_repos_mo": round(idle / 2**20, 1),
            "import": first,
            "file_residuelle": residue,
            "reimport": second,
            "petits": smalls,
        }


# ---------------------------------------------------------------- (b) and (c): scripts


def run_script(script: str, path: Path, code: Path, db: str, timeout: float | None) -> Any:
    """A bench script on a fresh database; its JSON (last line), or None on timeout."""
    with fresh_database(db) as url:
        return _script(BENCH / script, path, code, url, db, timeout)


def run_floor(path: Path, resaved: Path, code: Path, db: str) -> dict[str, Any]:
    """limit_t1.py on the file, then on its re-saved copy, on one fresh database."""
    with fresh_database(db) as url:
        first = _script(FLOOR, path, code, url, db, None)
        again = _script(FLOOR, resaved, code, url, db, None)
    return {"import": first, "reimport": again}


def _script(script: Path, path: Path, code: Path, url: str, db: str, timeout: float | None) -> Any:
    """One run of a script on ``url``; its JSON (last line), or None on timeout."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(path), url],
        env=env,
        cwd=code,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sampler = Sampler(db)
    sampler.watch("script", proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc, 10)
        return None
    finally:
        sampler.halt()
    if proc.returncode != 0:
        raise RuntimeError(f"{script} a échoué :\n{err.decode()[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["cpu_s"] = sampler.cpu()
    result["rss_max_echantillonne_mo"] = round(sampler.peak_sum["script"] / 2**20, 1)
    return result


# ---------------------------------------------------------------- summary


def _n(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("atteinte" if ok else "MANQUÉE")


def summarise(result: dict[str, Any]) -> str:
    svc, ref, naive, floor = (
        result["service"],
        result["reference"],
        result.get("naif"),
        result["plancher"],
    )
    a, re_ = svc["import"], svc["reimport"]
    f, f_re = floor["import"]["seconds"], floor["reimport"]["seconds"]
    b = ref["secondes"]["total"]
    c = naive["secondes_total"] if naive else None
    lines = a["lignes"]
    ratios = result["ratios"]
    rows = [
        ("(f) plancher limit_t1.py", f, round(lines / f) if f else None, "un processus"),
        ("(f') plancher, ré-import de la copie", f_re, None, "ré-enregistrée"),
        (
            "(a) job API + workers → termine",
            a["secondes"],
            a["lignes_par_s"],
            f"{svc['workers']} processus, {a['statut']}, "
            f"{_n(a['coeurs_worker_moyens'], 2)} cœur(s) en moyenne",
        ),
        ("    dont dépôt HTTP (202)", a["depot_http_s"], None, ""),
        (
            "    dont analyse (lecture → plan)",
            a["chronologie_s"]["fin_analyse"],
            None,
            f"plan dès {_n(a['chronologie_s']['debut_plan'])} s",
        ),
        (
            "    dont application des entités",
            _diff(a["chronologie_s"]["fin_entites"], a["chronologie_s"]["fin_analyse"]),
            None,
            "",
        ),
        (
            "    dont application des départements",
            _diff(a["secondes"], a["chronologie_s"]["fin_entites"]),
            None,
            f"{a['departements_termines']}/{a['departements']} départements",
        ),
        (
            "(a') ré-import de la copie ré-enregistrée",
            re_["secondes"],
            re_["lignes_par_s"],
            f"{re_['creations']} création, {re_['modifications']} modification, "
            f"{re_['inchanges']} inchangés",
        ),
        (
            "(b) référence du projet (un processus)",
            b,
            round(lines / b) if b else None,
            "nos règles complètes → COPY → ON CONFLICT",
        ),
        (
            "(c) naïf openpyxl + INSERT par ligne",
            c,
            round(lines / c) if c else None,
            (naive or {}).get("note", "non mesuré (--skip-naive)"),
        ),
    ]
    out = [
        f"Import Temps 1 — taille {result['taille']} : {_n(result['entites'], 0)} entités + "
        f"{_n(result['dispositifs'], 0)} dispositifs ({_n(lines, 0)} lignes), fichier "
        f"{_n(result['fichier_mo'])} Mo, graine {result['graine']}",
        f"Machine : {result['machine']['coeurs']} cœurs, charge {result['machine']['charge']} ; "
        f"code : {result['code']}",
        "",
        f"{'mesure':<44}{'secondes':>10}{'lignes/s':>11}  note",
    ]
    for label, secs, rate, note in rows:
        out.append(f"{label:<44}{_n(secs):>10}{_n(rate, 0) if rate else '':>11}  {note}")
    smalls = svc["petits"]
    valide = [
        p["chronologie_s"]["fin_analyse"] for p in smalls if p["chronologie_s"]["fin_analyse"]
    ]
    termine = [p["secondes"] for p in smalls]
    delay = a["delai_evenement_depuis_commit_s"]
    out += [
        "",
        f"{'cible':<44}{'mesuré':>10}{'cible':>11}  verdict",
        f"{'import / plancher':<44}{_n(ratios['a_sur_plancher'], 2):>10}{'≤ 1,5':>11}  "
        f"{_verdict(ratios['a_sur_plancher'] <= CIBLES['a_sur_plancher'])}",
        f"{'ré-import / ré-import du plancher':<44}{_n(ratios['reimport_sur_plancher'], 2):>10}"
        f"{'≤ 1,5':>11}  "
        f"{_verdict(ratios['reimport_sur_plancher'] <= CIBLES['reimport_sur_plancher'])}",
        f"{'PSS max du worker (Mo, somme)':<44}{_n(a['pss_worker_max_mo'], 0):>10}{'≤ 400':>11}  "
        f"{_verdict(a['pss_worker_max_mo'] <= CIBLES['pss_mo'])}"
        f"  (ré-import {_n(re_['pss_worker_max_mo'], 0)} ; RSS somme "
        f"{_n(a['rss_worker_max_mo'], 0)}, au repos {_n(svc['rss_worker_au_repos_mo'], 0)}, "
        f"plus gros processus {_n(a['rss_worker_max_processus_mo'], 0)})",
        f"{'500 dispositifs : dépôt → valide (s, max)':<44}{_n(max(valide, default=None), 3):>10}"
        f"{'≤ 0,5':>11}  {_verdict(bool(valide) and max(valide) <= CIBLES['petit_valide_s'])}"
        f"  ({' ; '.join(_n(v, 3) for v in valide)})",
        f"{'500 dispositifs : dépôt → terminé (s, max)':<44}{_n(max(termine), 3):>10}"
        f"{'≤ 1':>11}  {_verdict(max(termine) <= CIBLES['petit_termine_s'])}"
        f"  ({' ; '.join(_n(v, 3) for v in termine)})",
        f"{'délai commit → événement, max (s)':<44}{_n(delay.get('max'), 3):>10}{'≤ 1':>11}  "
        f"{_verdict(None if not delay.get('n') else delay['max'] <= CIBLES['delai_s'])}"
        f"  (médiane {_n(delay.get('mediane'), 3)}, {delay.get('n', 0)} départements)",
        "",
        f"Pour mémoire : a/b {_n(ratios['a_sur_b'], 2)} ; c/a {_n(ratios.get('c_sur_a'), 2)} ; "
        f"ré-import / import {_n(ratios['reimport_sur_import'], 2)}",
        f"CPU (s) : (a) {a['cpu_s']} ; (a') {re_['cpu_s']} ; (f) {floor['import']['cpu_s']} ; "
        f"(f') {floor['reimport']['cpu_s']} ; (b) {ref['cpu_s']}"
        + (f" ; (c) {naive['cpu_s']}" if naive else ""),
        f"RSS max (f) {floor['import']['rss_max_echantillonne_mo']} Mo ; (b) "
        f"{ref['rss_max_echantillonne_mo']} Mo",
        f"File résiduelle après (a) : {svc['file_residuelle']['messages_en_attente_a_la_fin']} "
        f"messages, vidée en {_n(svc['file_residuelle']['secondes'])} s avant (a')",
        f"Interblocages PostgreSQL (journal du serveur, base du service) : "
        f"{svc.get('interblocages_postgresql')}",
        f"Tâches du worker (import) : {a['taches']['executions']} ; cumul "
        f"{a['taches']['secondes_cumulees']} s",
        f"Tâches du worker (ré-import) : {re_['taches']['executions']} ; cumul "
        f"{re_['taches']['secondes_cumulees']} s",
    ]
    return "\n".join(out)


def _diff(x: float | None, y: float | None) -> float | None:
    return None if x is None or y is None else x - y


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--taille", choices=sorted(TAILLES), default="petit")
    parser.add_argument("--workers", type=int, default=2, help="processus du worker Celery")
    parser.add_argument("--skip-naive", action="store_true", help="sans la mesure (c)")
    parser.add_argument("--graine", type=int, default=11)
    parser.add_argument("--code", default="HEAD", help="HEAD (défaut), . ou un répertoire")
    parser.add_argument("--naive-limite", type=float, default=600.0, help="secondes, puis petit")
    parser.add_argument("--garder-base", action="store_true", help="garde la base du service")
    parser.add_argument(
        "--py-spy", action="store_true", help="profil py-spy du worker pendant (a) et (a')"
    )
    args = parser.parse_args()

    code, code_label = prepare_code(args.code)
    sys.path.insert(0, str(code))
    os.environ["PYTHONPATH"] = str(code)
    from gen_workbook import ensure_workbook, resaved_copy

    n_entites, n_dispositifs = TAILLES[args.taille]
    path, generated = ensure_workbook(n_entites, n_dispositifs, args.graine)
    print(
        f"Classeur {path.name} ({path.stat().st_size / 1e6:.1f} Mo)"
        + (f" généré en {generated:.1f} s." if generated else " (déjà généré)."),
        flush=True,
    )
    resaved, seconds = resaved_copy(path)
    print(
        f"Copie ré-enregistrée {resaved.name} ({resaved.stat().st_size / 1e6:.1f} Mo)"
        + (f" faite en {seconds:.1f} s." if seconds else " (déjà faite)."),
        flush=True,
    )
    one_dep = [ensure_workbook(*SMALL, seed, ["75"])[0] for seed in SMALL_SEEDS]
    tag = args.taille
    result: dict[str, Any] = {
        "taille": args.taille,
        "entites": n_entites,
        "dispositifs": n_dispositifs,
        "fichier": str(path),
        "fichier_mo": round(path.stat().st_size / 1e6, 2),
        "graine": args.graine,
        "generation_s": round(generated, 2) if generated else None,
        "code": code_label,
        "machine": {
            "coeurs": os.cpu_count(),
            "charge": " / ".join(f"{x:.2f}".replace(".", ",") for x in os.getloadavg()),
            "memoire_go": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print("(f) plancher limit_t1.py, import puis ré-import…", flush=True)
    result["plancher"] = run_floor(path, resaved, code, f"offre_bench_{tag}_plancher_{os.getpid()}")
    print(
        f"    {result['plancher']['import']['seconds']:.1f} s puis "
        f"{result['plancher']['reimport']['seconds']:.1f} s",
        flush=True,
    )
    print("(b) référence un processus…", flush=True)
    result["reference"] = run_script(
        "reference_pipeline.py", path, code, f"offre_bench_{tag}_ref_{os.getpid()}", None
    )
    print(f"    {result['reference']['secondes']['total']:.1f} s", flush=True)
    print("(a) service…", flush=True)
    result["service"] = run_service(
        path, resaved, one_dep, code, args.workers, tag, args.garder_base, args.py_spy
    )
    if not args.skip_naive:
        print(f"(c) naïf (limite {args.naive_limite:.0f} s)…", flush=True)
        naive = run_script(
            "naive_import.py",
            path,
            code,
            f"offre_bench_{tag}_naif_{os.getpid()}",
            args.naive_limite,
        )
        if naive is not None:
            naive["secondes_total"] = naive["secondes"]["total"]
            naive["note"] = "mesuré"
        else:
            small, _ = ensure_workbook(*TAILLES["petit"], args.graine)
            naive = run_script(
                "naive_import.py", small, code, f"offre_bench_{tag}_naif_{os.getpid()}", None
            )
            factor = (n_entites + n_dispositifs) / naive["lignes"]
            naive["secondes_total"] = naive["secondes"]["total"] * factor
            naive["note"] = (
                f"extrapolé ×{factor:.2f} depuis {naive['lignes']} lignes "
                f"({naive['secondes']['total']:.1f} s) : > {args.naive_limite:.0f} s sur ce fichier"
            )
        result["naif"] = naive
        print(f"    {naive['secondes_total']:.1f} s ({naive['note']})", flush=True)
    a = result["service"]["import"]["secondes"]
    b = result["reference"]["secondes"]["total"]
    floor = result["plancher"]
    result["ratios"] = {
        "a_sur_plancher": round(a / floor["import"]["seconds"], 2),
        "reimport_sur_plancher": round(
            result["service"]["reimport"]["secondes"] / floor["reimport"]["seconds"], 2
        ),
        "a_sur_b": round(a / b, 2),
        "c_sur_a": round(result["naif"]["secondes_total"] / a, 2) if "naif" in result else None,
        "reimport_sur_import": round(result["service"]["reimport"]["secondes"] / a, 2),
        "a_sur_b_avec_pre_scan": round(
            a / (b + result["reference"]["secondes"]["hors_total_controle_et_pre_scan"]), 2
        ),
    }
    result["cibles"] = CIBLES
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / f"bench_{tag}_{stamp}.json"
    target.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print()
    print(summarise(result))
    print(f"\nRésultats complets : {target}")


if __name__ == "__main__":
    main()
