"""Calibration: fit the behavioural parameters to real-world patterns with ABC-SMC (pyabc).

``load_patterns`` checks a patterns file; ``calibrate`` runs (or resumes) a
calibration into a folder and writes its posterior and report. pyabc is
imported only when a calibration runs.
"""

from hls_sim.calibration.patterns import CalibrationError, Patterns, load_patterns

__all__ = ["CalibrationError", "Patterns", "load_patterns"]
