"""Kernel-regression residuals r_t = (I − ηΘ)^t r_0: exact for a model linear in its parameters, closed form by eigenvectors."""

import pytest
import torch

from saddle.theory import empirical_ntk, kernel_regression_residuals, ntk_matrix


def test_gradient_descent_on_a_linear_model_follows_kernel_regression_exactly(gen):
    """h(a) = Wa is linear in W: its NTK Θ = A Aᵀ never changes, and GD on ½‖h − b‖² moves r by exactly −ηΘr."""
    a = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    b = torch.randn(6, 1, generator=gen, dtype=torch.float64)
    model = torch.nn.Linear(4, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(1, 4, generator=gen, dtype=torch.float64))
    theta = ntk_matrix(empirical_ntk(model, a))
    torch.testing.assert_close(theta, a @ a.T, rtol=1e-12, atol=1e-12)
    eta = 0.5 / torch.linalg.eigvalsh(theta)[-1].item()
    with torch.no_grad():
        r0 = (model(a) - b).reshape(-1)
    predicted = kernel_regression_residuals(theta, r0, eta, 20)
    opt = torch.optim.SGD(model.parameters(), lr=eta)
    for t in range(1, 21):
        opt.zero_grad()
        (0.5 * ((model(a) - b) ** 2).sum()).backward()
        opt.step()
        with torch.no_grad():
            torch.testing.assert_close((model(a) - b).reshape(-1), predicted[t], rtol=1e-10, atol=1e-12)


def test_residuals_decay_mode_by_mode(gen):
    """Along an eigenvector u of Θ with eigenvalue λ the residual is multiplied by (1 − ηλ) per step."""
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=gen, dtype=torch.float64))
    lam = torch.tensor([0.1, 0.5, 1.0, 2.0], dtype=torch.float64)
    theta = q @ torch.diag(lam) @ q.T
    r = kernel_regression_residuals(theta, q[:, 0] + q[:, 3], 0.4, 5)
    torch.testing.assert_close(r[5] @ q[:, 0], torch.tensor(0.96**5, dtype=torch.float64))
    torch.testing.assert_close(r[5] @ q[:, 3], torch.tensor(0.2**5, dtype=torch.float64))
    assert r.shape == (6, 4)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="square"):
        kernel_regression_residuals(torch.eye(3), torch.ones(4), 0.1, 3)
    with pytest.raises(ValueError, match="step_size"):
        kernel_regression_residuals(torch.eye(3), torch.ones(3), -0.1, 3)
