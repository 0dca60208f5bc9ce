"""The fused GAN losses equal the straightforward autograd computation."""

import pytest
import torch
from torch.nn import functional as F

from sklearn_apd.posteriors.apd._gan import (
    FirstLayerStack,
    WeightGenerator,
    adam,
    critic_loss,
    generator_loss,
    mlp,
)


def _reference_critic_loss(critic, generator, real, z, objective, gp_weight, eps):
    """Gulrajani et al.'s iteration as usually written: explicit fakes, double backward."""
    with torch.no_grad():
        fake = generator.net(z)
    d_real, d_fake = critic(real), critic(fake)
    if objective == "gan":
        return F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
    loss = d_fake.mean() - d_real.mean()
    if objective == "wgan-gp":
        mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
        loss = loss + gp_weight * ((grad.norm(2, dim=1) - 1) ** 2).mean()
    return loss


def _reference_generator_loss(critic, generator, z, objective):
    d_fake = critic(generator.net(z))
    if objective == "gan":
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
    return -d_fake.mean()


def _grads(loss, params):
    return torch.autograd.grad(loss, params, allow_unused=True)


def _nets(p, gen_units, critic_units, seed=0):
    torch.manual_seed(seed)
    generator = WeightGenerator(8, gen_units, p).double()
    critic = mlp((p, *critic_units, 1)).double()
    return generator, critic


@pytest.mark.parametrize("objective", ["wgan-gp", "wgan", "gan"])
@pytest.mark.parametrize(
    "gen_units, critic_units",
    # (9, 4): some interpolates have a layer of dead units, so a zero input gradient
    [((16, 12), (20, 10, 6)), ((), (7,)), ((5,), ()), ((6,), (9, 4))],
)
def test_critic_loss_and_gradients_match_reference(objective, gen_units, critic_units):
    p, b = 300, 24
    generator, critic = _nets(p, gen_units, critic_units)
    g = torch.Generator().manual_seed(1)
    real = torch.randn(b, p, generator=g, dtype=torch.float64)
    z = torch.randn(b, 8, generator=g, dtype=torch.float64)
    eps = torch.rand(b, 1, generator=g, dtype=torch.float64)
    params = list(critic.parameters())

    ref = _reference_critic_loss(critic, generator, real, z, objective, 10.0, eps)
    with torch.no_grad():
        hidden = generator.hidden(z)
    ours, d_real, d_fake = critic_loss(critic, generator, real, hidden, objective, 10.0, eps)
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    for a, r in zip(_grads(ours, params), _grads(ref, params)):
        torch.testing.assert_close(a, r, rtol=1e-9, atol=1e-12)
    # The generator gets nothing from a critic update.
    assert all(q is None for q in _grads(ours, list(generator.parameters())))
    torch.testing.assert_close(d_fake, critic(generator.net(z)))
    torch.testing.assert_close(d_real, critic(real))


@pytest.mark.parametrize("objective", ["wgan-gp", "gan"])
@pytest.mark.parametrize("gen_units, critic_units", [((16, 12), (20, 10)), ((), ())])
def test_generator_loss_and_gradients_match_reference(objective, gen_units, critic_units):
    p, b = 250, 16
    generator, critic = _nets(p, gen_units, critic_units, seed=3)
    z = torch.randn(b, 8, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    params = list(generator.parameters())
    ref = _reference_generator_loss(critic, generator, z, objective)
    ours, _ = generator_loss(critic, generator, z, objective)
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    for a, r in zip(_grads(ours, params), _grads(ref, params)):
        torch.testing.assert_close(a, r, rtol=1e-9, atol=1e-12)
    assert all(q is None for q in _grads(ours, list(critic.parameters())))


def test_penalty_is_zero_when_the_critic_has_unit_gradients():
    # A linear critic with a unit-norm weight row has |dD/dx| = 1 everywhere.
    p = 50
    generator, critic = _nets(p, (4,), ())
    with torch.no_grad():
        critic[0].weight.copy_(torch.ones(1, p) / p**0.5)
    real = torch.randn(6, p, dtype=torch.float64)
    hidden = torch.randn(6, 4, dtype=torch.float64)
    eps = torch.rand(6, 1, dtype=torch.float64)
    with_gp, _, _ = critic_loss(critic, generator, real, hidden, "wgan-gp", 10.0, eps)
    without, _, _ = critic_loss(critic, generator, real, hidden, "wgan", 10.0, eps)
    torch.testing.assert_close(with_gp, without)


def test_adam_is_fused_on_cpu():
    params = [torch.nn.Parameter(torch.zeros(3))]
    opt = adam(params, 1e-3, (0.5, 0.9), torch.device("cpu"))
    assert opt.defaults["fused"] is True


def test_folding_the_standardization_keeps_the_outputs():
    rng = torch.Generator().manual_seed(0)
    p = 30
    mean, scale = torch.randn(p, generator=rng), torch.rand(p, generator=rng) + 0.1
    g = WeightGenerator(4, (6, 5), p, mean, scale).double()
    z = torch.randn(7, 4, dtype=torch.float64, generator=rng)
    before = g(z)
    n_params = sum(q.numel() for q in g.parameters())
    g.fold_standardization()
    assert g.mean is None and g.scale is None and not list(g.buffers())
    torch.testing.assert_close(g(z), before)
    assert sum(q.numel() for q in g.parameters()) == n_params
    g.fold_standardization()  # a second call changes nothing
    torch.testing.assert_close(g(z), before)


@pytest.mark.parametrize("objective", ["wgan-gp", "wgan", "gan"])
def test_a_batch_given_as_rows_of_a_sample_table_gives_the_gathered_batchs_loss(objective):
    # Offline APD on fewer samples than its batch passes the distinct samples
    # and the batch's rows; loss, outputs and gradients are the gathered batch's.
    p, k, b = 200, 5, 24
    generator, critic = _nets(p, (16, 12), (20, 10))
    g = torch.Generator().manual_seed(2)
    table = torch.randn(k, p, generator=g, dtype=torch.float64)
    rows = torch.randint(k, (b,), generator=g)
    rows[:k] = torch.arange(k)  # every sample at least once, some many times
    hidden = torch.randn(b, 12, generator=g, dtype=torch.float64)
    eps = torch.rand(b, 1, generator=g, dtype=torch.float64)
    params = list(critic.parameters())
    gathered = critic_loss(critic, generator, table[rows], hidden, objective, 10.0, eps)
    as_rows = critic_loss(critic, generator, table, hidden, objective, 10.0, eps, rows=rows)
    for a, r in zip(as_rows, gathered):
        torch.testing.assert_close(a, r, rtol=1e-12, atol=1e-12)
    for a, r in zip(_grads(as_rows[0], params), _grads(gathered[0], params)):
        torch.testing.assert_close(a, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("objective", ["wgan-gp", "wgan"])
def test_critic_first_layer_gradient_in_column_blocks_is_the_whole_one(monkeypatch, objective):
    """On a CPU dW1 is computed in column blocks (`CPU_COLUMN_BLOCK`): the same gradient as in
    one block, with blocks that do not divide P."""
    from sklearn_apd.posteriors.apd import _gan

    p, b = 300, 24
    generator, critic = _nets(p, (16,), (20, 6))
    g = torch.Generator().manual_seed(1)
    real = torch.randn(b, p, generator=g, dtype=torch.float64)
    hidden = generator.hidden(torch.randn(b, 8, generator=g, dtype=torch.float64)).detach()
    eps = torch.rand(b, 1, generator=g, dtype=torch.float64)
    params = list(critic.parameters())

    def gradients(block):
        monkeypatch.setattr(_gan, "CPU_COLUMN_BLOCK", block)
        loss, _, _ = critic_loss(critic, generator, real, hidden, objective, eps=eps)
        return _grads(loss, params)

    whole = gradients(p)
    for block in (7, 64, 299):
        blocked = gradients(block)
        for a, w in zip(blocked, whole):
            torch.testing.assert_close(a, w, rtol=1e-12, atol=1e-12)


def test_a_stack_reused_across_critic_updates_gives_each_updates_loss_and_gradients():
    """The trainer fills one `FirstLayerStack` per fit: the generator's rows once per
    iteration, W1 and the real rows per update (growing when a batch needs more rows)."""
    p, b = 150, 12
    generator, critic = _nets(p, (16,), (20, 6))
    g = torch.Generator().manual_seed(3)
    params = list(critic.parameters())
    stack = FirstLayerStack()
    stack.set_generator(generator, 20, with_w1=True, n_real=4)  # room for 4 rows: grows
    for step in range(3):
        real = torch.randn(b + step, p, generator=g, dtype=torch.float64)
        hidden = torch.randn(b + step, 16, generator=g, dtype=torch.float64)
        eps = torch.rand(b + step, 1, generator=g, dtype=torch.float64)
        fresh = critic_loss(critic, generator, real, hidden, "wgan-gp", 10.0, eps)
        fresh_grads = _grads(fresh[0], params)
        reused = critic_loss(critic, generator, real, hidden, "wgan-gp", 10.0, eps, stack)
        for a, r in zip(reused, fresh):
            torch.testing.assert_close(a, r, rtol=1e-12, atol=1e-12)
        for a, r in zip(_grads(reused[0], params), fresh_grads):
            torch.testing.assert_close(a, r, rtol=1e-12, atol=1e-12)
        with torch.no_grad():  # an optimizer step: the next update copies the new W1
            params[0].add_(0.01 * fresh_grads[0])


def test_refilling_the_stack_before_backward_raises_instead_of_a_wrong_gradient():
    p, b = 60, 8
    generator, critic = _nets(p, (16,), (20, 6))
    g = torch.Generator().manual_seed(4)
    real = torch.randn(2, b, p, generator=g, dtype=torch.float64)
    hidden = torch.randn(b, 16, generator=g, dtype=torch.float64)
    eps = torch.rand(b, 1, generator=g, dtype=torch.float64)
    stack = FirstLayerStack()
    stack.set_generator(generator, 20, with_w1=True, n_real=b)
    first, _, _ = critic_loss(critic, generator, real[0], hidden, "wgan-gp", 10.0, eps, stack)
    critic_loss(critic, generator, real[1], hidden, "wgan-gp", 10.0, eps, stack)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        first.backward()


def test_critic_loss_refuses_a_stack_set_for_another_objective_or_no_real_rows():
    p, b = 60, 8
    generator, critic = _nets(p, (16,), (20, 6))
    hidden = torch.zeros(b, 16, dtype=torch.float64)
    real = torch.zeros(b, p, dtype=torch.float64)
    stack = FirstLayerStack()
    stack.set_generator(generator, 20, with_w1=False, n_real=b)
    eps = torch.zeros(b, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="with_w1=False for objective='wgan-gp'"):
        critic_loss(critic, generator, real, hidden, "wgan-gp", 10.0, eps, stack)
    with pytest.raises(ValueError, match="real=None needs a filled stack"):
        critic_loss(critic, generator, None, hidden, "wgan", 10.0)
    with pytest.raises(ValueError, match="real=None needs the real rows in the stack"):
        critic_loss(critic, generator, None, hidden, "wgan", 10.0, stack=stack)
