"""Issue 24's repros for saddle.sets: a negative or NaN radius is a ValueError naming it, not a flipped point."""

import math

import pytest
import torch

from saddle.sets import project_l1_ball, project_l2_ball, project_linf_ball, sample_ball


@pytest.mark.parametrize("project", [project_l2_ball, project_l1_ball, project_linf_ball])
@pytest.mark.parametrize("radius", [-1.0, math.nan, math.inf])
def test_ball_projections_refuse_a_bad_radius(project, radius):
    with pytest.raises(ValueError, match=rf"radius must be a finite number >= 0, got {radius}"):
        project(torch.ones(1, 2), radius)


def test_project_l2_ball_with_radius_zero_is_the_center():
    assert torch.equal(project_l2_ball(torch.ones(1, 2), 0.0), torch.zeros(1, 2))


@pytest.mark.parametrize("radius", [-1.0, math.nan])
def test_sample_ball_refuses_a_bad_radius(radius):
    with pytest.raises(ValueError, match="radius must be a finite number >= 0"):
        sample_ball(2, 3, radius=radius, generator=torch.Generator().manual_seed(0))


def test_projections_of_an_empty_batch_are_empty():
    assert project_l2_ball(torch.zeros(0, 3), 1.0).shape == (0, 3)
