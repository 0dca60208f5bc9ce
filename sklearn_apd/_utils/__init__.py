"""Leaf helpers of the package (no imports from the rest of it).

- `._random`: the one seeding scheme (streams from one ``random_state``);
- `._torch`: device resolution and pickling across devices;
- `._checks`: argument checks and formatting.
"""

from ._checks import check_positive_int, check_probability_samples, encode_labels, format_bytes
from ._progress import progress_bar
from ._random import (
    STREAM_BATCHES,
    STREAM_CHAINS,
    STREAM_INIT,
    STREAM_LAYERS,
    STREAM_LIKELIHOOD,
    STREAM_PARALLEL_CHAINS,
    STREAM_PREDICT,
    STREAM_RESERVOIR,
    STREAM_SAMPLE,
    STREAM_STATISTICS,
    STREAM_TRAIN,
    STREAM_WARM,
    base_seed,
    make_generator,
    numpy_generator,
    seed_from_random_state,
    seeded_global_rng,
)
from ._torch import TorchPickleMixin, all_finite, resolve_device

__all__ = [
    "progress_bar",
    "STREAM_BATCHES",
    "STREAM_CHAINS",
    "STREAM_INIT",
    "STREAM_LAYERS",
    "STREAM_LIKELIHOOD",
    "STREAM_PARALLEL_CHAINS",
    "STREAM_PREDICT",
    "STREAM_RESERVOIR",
    "STREAM_SAMPLE",
    "STREAM_STATISTICS",
    "STREAM_TRAIN",
    "STREAM_WARM",
    "TorchPickleMixin",
    "all_finite",
    "base_seed",
    "check_positive_int",
    "check_probability_samples",
    "encode_labels",
    "format_bytes",
    "make_generator",
    "numpy_generator",
    "resolve_device",
    "seed_from_random_state",
    "seeded_global_rng",
]
