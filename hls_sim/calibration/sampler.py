"""A pyabc sampler on any ``concurrent.futures`` executor whose results do not depend on timing.

pyabc's own parallel samplers (``ConcurrentFutureSampler``,
``MulticoreEvalParallelSampler``, the Dask and mapping samplers) reseed every
job from the operating system's entropy, so the parameters a generation
proposes, and so the whole calibration, differ from one run to the next; and
the future-based ones ignore pyabc's ``max_eval``, so a generation cannot be
capped. This sampler keeps pyabc's scheme (jobs numbered in submission order,
the generation made of every result up to the N-th accepted one, in job order)
and changes two things:

- each job seeds numpy's and Python's global generators, which pyabc draws
  parameters from, from ``SeedSequence([root_seed, STREAM, generation, job])``;
  so job ``j`` of generation ``t`` proposes the same parameters, and so gives
  the same result, on any worker, executor or worker count, and the
  generation, made of jobs ``0 .. N-th accepted``, is the same too;
- it never has more jobs running than acceptances still missing (so few jobs
  are wasted at the end of a generation), and never hands out more jobs in a
  generation than ``max_evaluations``; if that cap is reached first, the
  sample is marked not ok and pyabc stores nothing for the generation.

It is a job scheduler, not part of the inference: proposals, weights,
acceptance and the epsilon schedule are pyabc's.
"""

from __future__ import annotations

import random
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import ConcurrentFutureSampler

# Stream of the SeedSequence that seeds the sampler's jobs (particles' model runs use another).
SAMPLER_STREAM = 1
# Seconds between checks on running jobs when none has finished (a wake-up, not a timeout).
POLL_SECONDS = 1.0


def job_entropy(root_seed: int, generation: int, job: int) -> np.ndarray:
    """The seed state of one job: a pure function of the root seed, the generation and the job number."""
    sequence = np.random.SeedSequence([root_seed, SAMPLER_STREAM, generation + 1, job])
    return sequence.generate_state(4)


def run_seeded_job(simulate_one: bytes, entropy: np.ndarray) -> Any:
    """In a worker: seed the global generators pyabc draws from, then propose, simulate and score once."""
    np.random.seed(entropy)
    random.seed(int(entropy[0]))
    return cloudpickle.loads(simulate_one)()


class SeededFutureSampler(ConcurrentFutureSampler):
    """pyabc's future-based sampler with seeded jobs and a cap on the jobs a generation may use."""

    def __init__(self, executor: Executor, jobs: int, root_seed: int) -> None:
        super().__init__(cfuture_executor=executor, client_max_jobs=jobs, default_pickle=True, batch_size=1)
        self.root_seed = root_seed
        self.max_evaluations: float = np.inf
        self.started_ = 0

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Any,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,  # noqa: ARG002 - part of pyabc's interface
        ana_vars: Any = None,  # noqa: ARG002 - part of pyabc's interface
    ) -> Any:
        payload = cloudpickle.dumps(simulate_one)
        limit = min(max_eval, self.max_evaluations)
        finished: dict[int, Any] = {}
        running: dict[int, Future] = {}
        submitted = 0
        while True:
            for job, future in list(running.items()):
                if future.done():
                    finished[job] = future.result()
                    del running[job]
            last = _nth_accepted(finished, n)
            if last is not None and all(job > last for job in running):
                break
            missing = n - sum(result.accepted for result in finished.values())
            while len(running) < min(self.client_max_jobs, missing) and submitted < limit:
                entropy = job_entropy(self.root_seed, t, submitted)
                running[submitted] = self.client.submit(run_seeded_job, payload, entropy)
                submitted += 1
            if not running:
                break
            wait(list(running.values()), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
        cancelled = sum(future.cancel() for future in running.values())
        self.started_ = submitted - cancelled
        sample = self._create_empty_sample()
        used = range(last + 1) if last is not None else sorted(finished)
        for job in used:
            sample.append(finished[job])
        self.nr_evaluations_ = len(used)
        if last is None:
            sample.ok = False
        return sample


def _nth_accepted(finished: dict[int, Any], n: int) -> int | None:
    """The job number of the n-th accepted result, once every earlier job has finished; else None."""
    accepted = 0
    for job in range(len(finished) + 1):
        if job not in finished:
            return None
        accepted += finished[job].accepted
        if accepted == n:
            return job
    return None
