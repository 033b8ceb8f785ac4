"""Imported by a fork server before it forks workers: the model, with its compiled kernels loaded.

Sweeps and the dashboard start their workers from a fork server
(``multiprocessing``'s "forkserver"), which imports the modules it is told to
preload, once. Importing this one also runs a tiny place for a few weeks under
every regime (``hls_sim.api.warm_up``), so the kernels are in the server's
memory and every worker forked from it starts with them, instead of each
loading them from numba's cache (about a fifth of a second a worker).
"""

from __future__ import annotations

from hls_sim.api import warm_up

warm_up()
