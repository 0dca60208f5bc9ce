"""The one seeding scheme: independent random streams derived from one ``random_state``.

Every estimator turns its ``random_state`` into a *base seed* and each purpose
(initial weights, SGLD noise, prediction draws, ...) into a *stream* number;
``numpy.random.SeedSequence([base, stream])`` then gives the stream's seed.
torch streams are local `torch.Generator` objects
(`make_generator()`), numpy streams `numpy.random.Generator`
objects (`numpy_generator()`); torch's global generator is seeded only
inside `seeded_global_rng()`, which restores it afterwards.

Stream numbers (one table, so that no two purposes share one):

| stream | purpose |
|---|---|
| 0-8 | the ``STREAM_*`` purposes below |
| 100 + k | chain ``k > 0`` of ``SGLDClassifier(n_chains=K)`` |
| 10,100 + c | chain ``c`` of ``parallel.fit_parallel_chains`` |
| 20,000 + k | APD's ``k``-th warm-started continuation on a new device |
| round number | ``ActiveLearner``'s decisions (its own base seed) |
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager

import numpy as np
import torch

STREAM_INIT = 0
STREAM_TRAIN = 1
STREAM_PREDICT = 2
STREAM_SAMPLE = 3
STREAM_RESERVOIR = 4
STREAM_BATCHES = 5
STREAM_LAYERS = 6
STREAM_LIKELIHOOD = 7  # APD's likelihood term: its training minibatches
STREAM_STATISTICS = 8  # the rows SGLD estimates each sample's batch-norm statistics on
STREAM_CHAINS = 100  # chain k > 0 starts from stream STREAM_CHAINS + k
STREAM_PARALLEL_CHAINS = 10_100  # fit_parallel_chains' chain c: STREAM_PARALLEL_CHAINS + c
STREAM_WARM = 20_000  # APD's k-th warm-started continuation: STREAM_WARM + k


def base_seed(random_state, *, fresh=False) -> int | None:
    """The integer base seed of ``random_state``.

    ``None`` gives ``None`` (fresh entropy in every stream), or a fresh
    random int with ``fresh=True`` (for a caller that needs one base for
    several decisions); an int is used as is; a
    `numpy.random.RandomState` is consumed once, as in scikit-learn.
    """
    if random_state is None:
        return int(np.random.default_rng().integers(2**32)) if fresh else None
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    raise ValueError(
        f"random_state={random_state!r} must be None, an int or a "
        "numpy.random.RandomState instance."
    )


def stream_sequence(base: int, stream: int) -> np.random.SeedSequence:
    """The `numpy.random.SeedSequence` of one stream of a base seed."""
    return np.random.SeedSequence([base & 0xFFFFFFFF, int(stream)])


def seed_from_random_state(random_state, stream: int) -> int | None:
    """Derive a 64-bit integer seed for one stream from ``random_state``.

    ``None`` gives ``None`` (fresh entropy); an int gives a seed that depends
    only on the int and the stream; a `numpy.random.RandomState` is
    consumed, as in scikit-learn.
    """
    base = base_seed(random_state)
    if base is None:
        return None
    state = stream_sequence(base, stream).generate_state(2)
    return int(state[0]) << 32 | int(state[1])


def make_generator(random_state, stream: int, device="cpu") -> torch.Generator:
    """A local `torch.Generator` for one stream; global state is untouched."""
    gen = torch.Generator(device=device)
    seed = seed_from_random_state(random_state, stream)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return gen


def numpy_generator(base: int, stream: int) -> np.random.Generator:
    """A `numpy.random.Generator` for one stream of a base seed."""
    return np.random.default_rng(stream_sequence(base, stream))


@contextmanager
def seeded_global_rng(random_state, stream: int, device):
    """Seed torch's global generator from ``random_state``; restore it afterwards.

    Layers draw initial weights (and dropout masks) from the global generator;
    its state is saved, seeded for this stream and restored, so the user's
    global random stream is unaffected. ``random_state=None`` leaves it as is.
    """
    seed = seed_from_random_state(random_state, stream)
    if seed is None:
        yield
        return
    # Only the generators in use are seeded and restored: torch.manual_seed would
    # also seed every CUDA device (left changed after the block), and on a machine
    # without CUDA it queues a lazy CUDA seed with a formatted traceback (0.07 ms).
    dev = torch.device(device)
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        with torch.random.fork_rng(devices=[index]):
            torch.default_generator.manual_seed(seed)
            torch.cuda.default_generators[index].manual_seed(seed)
            yield
        return
    cpu = torch.default_generator
    state = cpu.get_state()
    cpu.manual_seed(seed)
    try:
        yield
    finally:
        cpu.set_state(state)
