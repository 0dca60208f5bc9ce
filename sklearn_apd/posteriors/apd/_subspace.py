"""APD in the samples' principal subspace (``APDClassifier(subspace=k)``).

The SGLD samples of a network spread along few directions: on Table 2's fcNN2
(478,410 weights, 1,000 samples) 200 samples projected on their top 50
principal components keep SGLD's notMNIST and CIFAR10bw AUROC (and lose 0.85
points on Omniglot; ``benchmarks/RESULTS.md``, 2026-12-06). A generator of all ``P`` weights,
judged by a critic in the weights' Euclidean geometry, spreads along about ten
of those directions and hardly along the rest. With ``subspace=k`` the GAN
instead learns the samples' coordinates on their top ``k`` components
(standardized, which on principal coordinates is whitening: every direction
weighs the same to the critic), and a draw is

    w = mean + G(z) @ components        (components: k x P, orthonormal rows)

so the test-time posterior stores the mean and the ``k`` components beside a
generator of ``k`` outputs: ``(k + 1) P`` floats plus a few thousand, against
``h P`` for the generator's last layer on the weights (``h`` = 100 hidden
units by default). With ``subspace_residual=a`` each draw also gets
independent Gaussian noise of ``a`` times each weight's standard deviation
over the samples off the subspace (``P`` more stored floats): on fcNN2 the
full residual gives the projected samples their Omniglot AUROC back.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

#: A component counts when its variance exceeds this share of the largest's.
RELATIVE_VARIANCE_FLOOR = 1e-9
_BLOCK = 50_000  # weights (or samples) per float64 block of the Gram product


class Subspace(NamedTuple):
    """What `principal_subspace` returns (fields in its Returns section)."""

    mean: torch.Tensor
    components: torch.Tensor
    variances: torch.Tensor
    coordinates: torch.Tensor
    residual_std: torch.Tensor | None


def principal_subspace(samples: torch.Tensor, k: int, residual: bool = False) -> Subspace:
    """The samples' mean, top ``k`` principal directions and the variance they hold.

    Eigendecomposition of the smaller of the centred samples' Gram matrix
    (K x K) and scatter matrix (P x P), summed in float64 over blocks so that
    the samples are copied once (centred); the directions are the rows of a
    (k x P) tensor of the samples' dtype, orthonormal, largest variance first.

    Parameters
    ----------
    samples : torch.Tensor of shape (K, P)
    k : int
    residual : bool, default=False
        Also return each weight's standard deviation off the subspace.

    Returns
    -------
    Subspace
        A named tuple of these fields:
    mean : torch.Tensor of shape (P,)
    components : torch.Tensor of shape (k, P)
    variances : torch.Tensor of shape (n,)
        Every component's variance (float64, descending): the top ``k`` are
        the coordinates' variances, their sum over the total is the share
        the subspace holds.
    coordinates : torch.Tensor of shape (K, k)
        The centred samples on the components (from the one centred copy).
    residual_std : torch.Tensor of shape (P,) or None
        With ``residual=True``: per weight, the standard deviation over the
        samples of what the top ``k`` components leave out,
        ``sqrt(sum_i (Xc - coordinates @ components)[i, j]^2 / (K - 1))``.

    Raises
    ------
    ValueError
        When the samples have fewer than ``k`` components with variance.
    """
    n_samples, n_params = samples.shape
    mean = torch.cat(  # in float64 over blocks of weights: no float64 copy of the samples
        [samples[:, j : j + _BLOCK].double().mean(0) for j in range(0, n_params, _BLOCK)]
    ).to(samples.dtype)
    centred = samples - mean  # the one copy of (K x P); products in float64 blocks
    small = min(n_samples, n_params)
    gram = centred.new_zeros(small, small, dtype=torch.float64)
    for j in range(0, max(n_samples, n_params), _BLOCK):
        if n_samples <= n_params:  # the Gram matrix (K x K), over blocks of weights
            block = centred[:, j : j + _BLOCK].double()
            gram += block @ block.T
        else:  # the scatter matrix (P x P), over blocks of samples
            block = centred[j : j + _BLOCK].double()
            gram += block.T @ block
    values, vectors = torch.linalg.eigh(gram)  # ascending
    values, vectors = values.flip(0).clamp_min(0), vectors.flip(1)
    with_variance = int((values > RELATIVE_VARIANCE_FLOOR * values[0]).sum())
    if k > with_variance:
        raise ValueError(
            f"subspace={k} needs {k} principal components with variance, but the "
            f"{n_samples} samples of {n_params} weights have {with_variance}. Lower "
            f"subspace to at most {with_variance}, or keep more samples (n_samples "
            "of the sampler)."
        )
    if n_samples <= n_params:  # V = Xc^T U S^-1: right singular vectors from the left ones
        components = (vectors[:, :k].T / values[:k, None].sqrt()).to(samples.dtype) @ centred
    else:
        components = vectors[:, :k].T.to(samples.dtype)
    variances = values[:with_variance] / max(1, n_samples - 1)
    components = components.contiguous()
    coordinates = centred @ components.T
    residual_std = off_subspace_std(centred, coordinates, components) if residual else None
    return Subspace(mean, components, variances, coordinates, residual_std)


def off_subspace_std(
    centred: torch.Tensor, coordinates: torch.Tensor, components: torch.Tensor
) -> torch.Tensor:
    """Per weight, the standard deviation over the centred samples of what the rows of
    ``components`` leave out: ``sqrt(sum_i (centred - coordinates @ components)[i, j]^2 /
    (K - 1))``, in float64 over blocks of weights."""
    n_samples, n_params = centred.shape
    out = torch.empty(n_params, dtype=centred.dtype, device=centred.device)
    for j in range(0, n_params, _BLOCK):
        off = centred[:, j : j + _BLOCK] - coordinates @ components[:, j : j + _BLOCK]
        var = off.double().pow(2).sum(0) / max(1, n_samples - 1)
        out[j : j + _BLOCK] = var.sqrt().to(centred.dtype)
    return out


class SubspaceGenerator(nn.Module):
    """Weights ``mean + coordinates(z) @ components (+ residual_std * noise)``.

    A generator in a fixed subspace; with ``residual_std``, each draw also
    gets independent Gaussian noise of that per-weight standard deviation
    (the samples' spread off the subspace).

    Parameters
    ----------
    coordinates : WeightGenerator
        The trained generator of ``k`` coordinates.
    mean : torch.Tensor of shape (P,)
    components : torch.Tensor of shape (k, P)
        Orthonormal rows (`principal_subspace`).
    residual_std : torch.Tensor of shape (P,) or None, default=None
        The noise's per-weight standard deviation; None: no noise.
    """

    def __init__(
        self,
        coordinates: nn.Module,
        mean: torch.Tensor,
        components: torch.Tensor,
        residual_std: torch.Tensor | None = None,
    ):
        super().__init__()
        self.coordinates = coordinates
        self.register_buffer("mean", mean)
        self.register_buffer("components", components)
        self.register_buffer("residual_std", residual_std)

    @property
    def latent_dim(self) -> int:
        return self.coordinates.latent_dim

    def forward(self, z: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        """Draws for the latent ``z``; ``noise`` (standard normal, ``(len(z), P)``) feeds the
        residual, drawn from torch's global generator when None (`residual_noise` draws it
        from seeds)."""
        w = torch.addmm(self.mean, self.coordinates(z), self.components)
        if self.residual_std is None:
            return w
        if noise is None:
            noise = torch.randn_like(w)
        return w.addcmul_(noise, self.residual_std)

    def residual_noise(self, seeds) -> torch.Tensor | None:
        """Standard normal noise for `forward`, one row per seed (a draw's noise depends on its
        seed alone, not on how the draws are chunked); None without a residual."""
        if self.residual_std is None:
            return None
        g = torch.Generator(self.mean.device)
        rows = [
            torch.randn(
                self.mean.shape,
                generator=g.manual_seed(int(seed)),
                device=self.mean.device,
                dtype=self.mean.dtype,
            )
            for seed in seeds
        ]
        return torch.stack(rows) if rows else self.mean.new_empty(0, self.mean.numel())

    def fold_standardization(self) -> None:
        """Fold the coordinates' standardization into their generator (`WeightGenerator`)."""
        self.coordinates.fold_standardization()


class SubspaceLikelihood:
    """A `LikelihoodTerm` on coordinates: the draws' gradient projected on the components.

    ``w = mean + c @ components``, so ``dL/dc = dL/dw @ components.T``.
    """

    def __init__(self, term, mean: torch.Tensor, components: torch.Tensor):
        self.term, self.mean, self.components = term, mean, components
        self.weight = term.weight

    @property
    def last(self) -> float:
        return self.term.last

    def gradient(self, coordinates: torch.Tensor) -> torch.Tensor:
        draws = torch.addmm(self.mean, coordinates, self.components)
        return self.term.gradient(draws) @ self.components.T
