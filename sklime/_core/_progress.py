"""Progress reports of long transforms: a tqdm bar when installed, else logging."""

import logging
import time

logger = logging.getLogger("sklime")


class Progress:
    """Report rows explained, rate and time left after each chunk.

    Parameters
    ----------
    n_rows : int
        Rows to explain.
    verbose : int
        0 is silent. Otherwise a ``tqdm`` progress bar is shown when tqdm is
        installed, else each chunk is logged at INFO level on the ``"sklime"``
        logger (``logging.basicConfig(level=logging.INFO)`` shows it).
    """

    def __init__(self, n_rows, verbose):
        self.n_rows = n_rows
        self.done = 0
        self.start = time.perf_counter()
        self.bar = _progress_bar(n_rows) if verbose else None
        self.log = bool(verbose) and self.bar is None

    def update(self, n_done):
        """Record ``n_done`` more rows explained."""
        self.done += n_done
        if self.bar is not None:
            self.bar.update(n_done)
            if self.done >= self.n_rows:
                self.bar.close()
        if not self.log:
            return
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else float("inf")
        left = (self.n_rows - self.done) / rate if rate > 0 else float("inf")
        logger.info(
            "explained %d/%d rows (%.0f%%), %.0f rows/s, about %.1f s left",
            self.done,
            self.n_rows,
            100.0 * self.done / self.n_rows,
            rate,
            left,
        )


def _progress_bar(n_rows):
    """A tqdm bar over ``n_rows`` rows, or None when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=n_rows, unit="row", desc="sklime")
