"""Progress bars: tqdm's notebook widget where it works, its text bar elsewhere."""

from __future__ import annotations


def progress_bar(*args, **kwargs):
    """A ``tqdm`` bar, imported when a bar is made.

    ``tqdm.auto`` picks the notebook widget inside Jupyter, but without
    ipywidgets it warns (with the path of the user's site-packages) as soon as
    it is imported; importing it only here, and only when ipywidgets is
    present, keeps ``import sklearn_apd`` silent in every kernel.
    """
    try:
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm import tqdm
    return tqdm(*args, **kwargs)
