"""Asking a question set's questions: all at once for the CLI (``run_questions``), or as a background job
of the web app (``EvaluationRunner``) that reports progress, can be cancelled and must not slow the chat.

Background jobs run in a few daemon worker threads (one by default) that share the app's Assistant —
its loaded index and model — and queue behind each other; each worker thread lowers its own scheduling
priority (Linux: ``nice`` is per thread), so chat requests get the CPU first while an evaluation runs.
A finished job is saved as a run folder (evaluation.runs) under ``$ZONEQA_DATA/evals/``.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
import queue
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from errors import BusyError, QuestionError, TooLongError, ZoneQAError
from evaluation.metrics import Outcome, Question, score, summarize
from evaluation.question_sets import QuestionSet
from settings import Settings, get_settings

log = logging.getLogger(__name__)

MAX_QUESTIONS = 5_000  # per background job: a set a web user can start must end within hours
WORKER_NICENESS = 10  # added to a worker thread's niceness (0 = normal, 19 = lowest priority)
JOBS_KEPT = 50  # finished jobs remembered for the pages that started them


def ask_and_score(assistant, question: Question, kb: str, k: int | None) -> Outcome:
    """Ask one question of a set and score it; a question the assistant rejects (empty) counts as a
    refusal, as a user would see it."""
    from retrieval.schema import AnswerResult, Refusal

    try:
        result = assistant.ask(question.question, kb=kb, k=k)
    except QuestionError as exc:
        result = AnswerResult(question.question, exc.message, True, refusal=Refusal.EMPTY_QUESTION)
    return score(question, result)


def run_questions(questions: list[Question], kb: str, k: int | None = None,
                  settings: Settings | None = None) -> list[Outcome]:
    """Ask every question of a set against knowledge base ``kb`` and score it (one Outcome each)."""
    from retrieval.ask import Assistant

    assistant = Assistant(settings or get_settings())
    assistant.ask("预热", kb=kb)  # load the index and model before timing
    return [ask_and_score(assistant, q, kb, k) for q in questions]


class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.CANCELLED, JobState.FAILED)


STATE_LABELS = {JobState.QUEUED: "排队中", JobState.RUNNING: "评测中", JobState.DONE: "已完成",
                JobState.CANCELLED: "已取消", JobState.FAILED: "失败"}


@dataclass
class EvaluationJob:
    """One background evaluation; read by the page that started it while a worker fills it in."""

    id: str
    name: str
    kb: str
    qset: QuestionSet
    k: int | None = None
    state: JobState = JobState.QUEUED
    done: int = 0
    started: float | None = None  # time.monotonic() when the first question was asked
    folder: Path | None = None  # the saved run, once DONE
    outcomes: list[Outcome] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    error: str | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)  # set once DONE, CANCELLED or FAILED

    @property
    def total(self) -> int:
        return len(self.qset.questions)

    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (None before the first question is done)."""
        if self.state is not JobState.RUNNING or not self.done or self.started is None:
            return None
        per_question = (time.monotonic() - self.started) / self.done
        return per_question * (self.total - self.done)

    def cancel(self) -> None:
        self.cancel_requested.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has ended (for scripts and tests); False on timeout."""
        return self.ended.wait(timeout)


def _lower_thread_priority() -> None:
    """Make the calling worker thread yield the CPU to chat requests (best effort; Linux only)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (AttributeError, OSError):  # other systems: the worker runs at normal priority
        pass


class EvaluationRunner:
    """Background evaluations for the web app: at most ``workers`` at a time, ``max_queued`` waiting."""

    def __init__(self, assistant, workers: int = 1, max_queued: int = 3) -> None:
        self.assistant = assistant
        self.settings: Settings = assistant.settings
        self.max_unfinished = workers + max_queued
        self._jobs: OrderedDict[str, EvaluationJob] = OrderedDict()
        self._lock = threading.Lock()
        self._scratch = Path(tempfile.mkdtemp(prefix="zoneqa-eval-"))  # the jobs' copies of their sets
        atexit.register(shutil.rmtree, self._scratch, True)
        self._queue: queue.Queue[EvaluationJob] = queue.Queue()
        # Daemon threads: stopping the app (Ctrl-C) must not wait for a long run; an unfinished run is not saved.
        for n in range(workers):
            threading.Thread(target=self._work, name=f"evaluation-{n + 1}", daemon=True).start()

    def submit(self, qset: QuestionSet, kb: str, name: str, k: int | None = None) -> EvaluationJob:
        """Queue an evaluation of ``qset`` against ``kb``; BusyError when the queue is full."""
        if len(qset.questions) > MAX_QUESTIONS:
            raise TooLongError(f"题集有 {len(qset.questions)} 道题，网页评测最多 {MAX_QUESTIONS} 道；"
                               "更大的题集请用命令行 python -m evaluation。")
        with self._lock:
            unfinished = sum(1 for j in self._jobs.values() if not j.state.finished)
            if unfinished >= self.max_unfinished:
                raise BusyError(f"已有 {unfinished} 个评测在进行或排队，请稍后再试。")
            job_id = uuid.uuid4().hex[:12]
            # The set is copied out of the upload cache, which is swept while long runs go on.
            own = self._scratch / job_id / qset.path.name
            own.parent.mkdir(parents=True)
            shutil.copyfile(qset.path, own)
            job = EvaluationJob(job_id, name, kb, replace(qset, path=own), k)
            self._jobs[job_id] = job
            while len(self._jobs) > JOBS_KEPT:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].state.finished:
                    break
                self._jobs.pop(oldest)
        self._queue.put(job)
        return job

    def get(self, job_id: str | None) -> EvaluationJob | None:
        with self._lock:
            return self._jobs.get(job_id or "")

    def _work(self) -> None:
        _lower_thread_priority()
        while True:
            self._run(self._queue.get())

    def _run(self, job: EvaluationJob) -> None:
        try:
            self._evaluate(job)
        except ZoneQAError as exc:
            job.state, job.error = JobState.FAILED, exc.message
        except OSError as exc:
            log.exception("saving evaluation %s failed", job.id)
            job.state, job.error = JobState.FAILED, f"无法保存评测结果：{exc.strerror or exc}"
        except Exception:
            log.exception("evaluation %s failed", job.id)
            job.state, job.error = JobState.FAILED, "评测出错，请查看服务器日志。"
        finally:
            shutil.rmtree(job.qset.path.parent, ignore_errors=True)
            job.ended.set()

    def _evaluate(self, job: EvaluationJob) -> None:
        from evaluation.runs import describe_run, prune_runs, run_dir_for, save_run

        if job.cancel_requested.is_set():
            job.state = JobState.CANCELLED
            return
        started_wall = time.time()
        self.assistant.searcher(job.kb)  # a missing knowledge base fails here, before any question
        # Recorded before the questions: the knowledge base as the run found it (run.json).
        info = describe_run(job.kb, self.settings, job.k, job.qset, started_wall)
        job.state, job.started = JobState.RUNNING, time.monotonic()
        for question in job.qset.questions:
            if job.cancel_requested.is_set():
                job.state = JobState.CANCELLED
                return
            job.outcomes.append(ask_and_score(self.assistant, question, job.kb, job.k))
            job.done += 1
        job.summary = summarize(job.outcomes)
        info["generator"] = "+".join(sorted({o.result.generator for o in job.outcomes if o.result})) or None
        folder = run_dir_for(self.settings, job.name, started_wall)
        save_run(folder, job.qset, job.outcomes, job.summary, info)
        job.folder, job.state = folder, JobState.DONE
        # Every run keeps a copy of its set: without a bound, web runs would fill the disk.
        kept = self.settings.eval_runs_kept
        for old in prune_runs(self.settings, kept):
            log.info("removed old evaluation run %s (ZONEQA_EVAL_RUNS_KEPT=%d)", old.name, kept)
