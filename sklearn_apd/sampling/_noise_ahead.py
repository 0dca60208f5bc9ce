"""A worker thread that draws an SGLD step's Gaussian noise while the caller computes.

Every SGLD step draws one N(0, I) vector as long as the weights. On a CPU
that draw (torch's Mersenne-Twister generator, one thread) costs as much as
a small network's gradient: a third of an fcNN1 step. It does not depend on
the step, so the next step's noise can be drawn while this step's gradient
is computed, on one core, with the products on the others.

`NoiseAhead` is that worker: ``request(buffer)`` asks it to fill ``buffer``
with ``normal_(generator=...)``; ``wait()`` blocks until the last request is
done (and re-raises its error, if any). Requests are served one at a time in
order, so a generator only this worker and its caller use gives the same
numbers in the same order as drawing them in place: the noise does not
change, bit for bit. (The fit that uses it runs its products on one thread
fewer meanwhile, and a product's rounding depends on the thread count: see
`SGLD._noise_drawn_ahead`.)
"""

from __future__ import annotations

import queue
import threading

import torch

__all__ = ["NoiseAhead"]


class NoiseAhead:
    """One worker thread filling buffers with N(0, 1) draws from ``generator``, in order.

    Parameters
    ----------
    generator : torch.Generator
        The stream to draw from. Between a `request` and its `wait`, no one
        else may draw from it (the caller's order of draws is the worker's).
    """

    def __init__(self, generator: torch.Generator):
        self._generator = generator
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self.in_flight = False
        self._thread = threading.Thread(
            target=self._serve, name="sklearn-apd-noise-ahead", daemon=True
        )
        self._thread.start()

    def _serve(self) -> None:
        while True:
            buffer = self._requests.get()
            if buffer is None:
                return
            try:
                buffer.normal_(generator=self._generator)
            except BaseException as exc:  # handed to the caller's wait()
                self._done.put(exc)
            else:
                self._done.put(None)

    def request(self, buffer: torch.Tensor) -> None:
        """Start filling ``buffer`` with N(0, 1) draws; the previous request must be waited."""
        if self.in_flight:
            raise RuntimeError("NoiseAhead.request: the previous draw was not waited for.")
        self.in_flight = True
        self._requests.put(buffer)

    def wait(self) -> None:
        """Block until the requested draw is done; re-raise the error it met, if any."""
        if not self.in_flight:
            return
        self.in_flight = False
        error = self._done.get()
        if error is not None:
            raise error

    def close(self) -> None:
        """Wait for a draw in flight, then stop the thread."""
        try:
            self.wait()
        finally:
            self._requests.put(None)
            self._thread.join()
