"""linear_attack honours config.device (the CLI's --device): scikit-learn fits on CPU, the attack runs on the device."""

import pytest
import torch

from saddle import cli
from saddle.experiments import linear_attack, registry
from saddle.experiments.base import RunOutput


class _Stop(Exception):
    pass


@pytest.mark.filterwarnings("ignore:The max_iter was reached")  # a short fit: only devices are checked
def test_attack_and_evaluation_tensors_are_on_the_config_device(monkeypatch, tmp_path):
    # "meta" stands for an accelerator on any machine: the attack must receive the model and the data there
    seen = []

    class Spy(linear_attack.ProjectedGradientAttack):
        def __call__(self, model, x, y):
            seen.append({p.device for p in model.parameters()} | {x.device, y.device})
            raise _Stop

    monkeypatch.setattr(linear_attack, "ProjectedGradientAttack", Spy)
    exp = registry()["linear_attack"]
    with pytest.raises(_Stop):
        exp.run(exp.make_config(quick=True, max_iter=100, device="meta"), RunOutput(tmp_path))
    assert seen == [{torch.device("meta")}]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_run_gives_the_cpu_numbers(tmp_path):
    exp = registry()["linear_attack"]
    cpu, gpu = (exp.run(exp.make_config(quick=True, device=d), RunOutput(tmp_path / d)) for d in ("cpu", "cuda"))
    assert gpu["max_abs_gap_pgd_vs_closed_form"] < 1e-9 and gpu["sparse_more_robust"]
    for key in ("dense_l1_norm", "sparse_l1_norm", "dense_robust_accuracy", "sparse_robust_accuracy"):
        assert gpu[key] == pytest.approx(cpu[key], rel=1e-9, abs=1e-9), key


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_cuda_is_a_one_line_usage_error(tmp_path, capsys):
    code = cli.main(["run", "linear_attack", "--quick", "--device", "cuda", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "CUDA is not available" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # nothing half-written
