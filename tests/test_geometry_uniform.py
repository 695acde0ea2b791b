"""Section 5, uniform superposition (notebook 04): polytopes, tegum factors, figures and explorer."""

import functools
import math

import matplotlib.pyplot as plt
import pytest
import torch
from helpers import change

import toy_lib as tl
from toy_lib import geometry_uniform as g

NAMES = [p.name for p in g.UNIFORM_POLYTOPES]


def random_rotation(dim: int, seed: int) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(dim, dim, generator=torch.Generator().manual_seed(seed)))
    return q * torch.sign(torch.diagonal(r))


def tegum_product(names: list[str], hidden: int, seed: int = 0) -> tuple[torch.Tensor, list]:
    """The named polytopes' tegum product (:func:`g.tegum_product`) in ``hidden`` dims, rotated.

    Returns ``W: (hidden, features)`` and, per polytope, the feature indices it occupies (features
    shuffled, so a factor's features are not neighbours), in the order of the polytope's vertices.
    """
    blocks = [g.polytope_vertices(n) for n in names]
    product = functools.reduce(g.tegum_product, blocks)  # (dims, features), block-diagonal
    n_features = product.shape[1]
    perm = torch.randperm(n_features, generator=torch.Generator().manual_seed(seed + 1))
    W = torch.zeros(hidden, n_features)
    W[: product.shape[0], perm] = product  # feature k of the product becomes feature perm[k]
    ends = torch.tensor([b.shape[1] for b in blocks]).cumsum(0).tolist()
    members = [perm[start:end].tolist() for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    return random_rotation(hidden, seed) @ W, members


def test_tegum_product_puts_the_factors_in_orthogonal_subspaces():
    rng = torch.Generator().manual_seed(0)
    A, B = torch.randn(2, 5, generator=rng), torch.randn(3, 4, generator=rng)
    assert torch.equal(g.tegum_product(A, B), torch.block_diag(A, B))
    # Batched (which torch.block_diag is not), leading dimensions broadcast, inputs untouched.
    A, B = torch.randn(3, 2, 5, generator=rng), torch.randn(1, 3, 4, generator=rng)
    before = A.clone(), B.clone()
    W = g.tegum_product(A, B)
    assert W.shape == (3, 5, 9)
    assert torch.equal(A, before[0]) and torch.equal(B, before[1])
    for k in range(3):
        assert torch.equal(W[k], torch.block_diag(A[k], B[0]))
    assert g.tegum_product(A.double(), B).dtype == torch.float64
    # A triangle ⊕ digon ⊕ pentagon: no feature of one factor overlaps one of another, and every
    # feature keeps the D_i of its own polytope, 2/3, 1/2, 2/5.
    names = ["triangle", "digon", "pentagon"]
    V = [g.polytope_vertices(n) for n in names]
    W = g.tegum_product(g.tegum_product(V[0], V[1]), V[2])
    assert W.shape == (5, 10)
    factor = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
    across = factor[:, None] != factor[None, :]
    assert (tl.cosine_similarity(W)[across].abs() < 1e-6).all()
    own = torch.cat([tl.feature_dimensionality(v) for v in V])
    assert torch.allclose(tl.feature_dimensionality(W), own, atol=1e-5)
    assert float(tl.dimensions_per_feature(W)) == pytest.approx(5 / 10)
    assert g.factor_labels(W).tolist() == [0, 0, 0, 3, 3, 5, 5, 5, 5, 5]
    with pytest.raises(ValueError, match="B has shape"):
        g.tegum_product(A, torch.ones(3))


@pytest.mark.parametrize("polytope", g.UNIFORM_POLYTOPES, ids=NAMES)
def test_vertices_are_unit_and_give_the_polytope_fraction(polytope):
    V = g.polytope_vertices(polytope.name)
    assert V.shape == (polytope.n_dims, polytope.n_features)
    assert torch.allclose(V.norm(dim=0), torch.ones(polytope.n_features), atol=1e-6)
    assert torch.linalg.matrix_rank(V) == polytope.n_dims
    D = tl.feature_dimensionality(V)
    assert torch.allclose(D, torch.full_like(D, polytope.fraction), atol=1e-5)


def test_fractions_are_the_papers_lines():
    fractions = {p.name: p.fraction for p in g.UNIFORM_POLYTOPES}
    assert fractions == pytest.approx(
        {
            "dedicated": 1,
            "tetrahedron": 3 / 4,
            "triangle": 2 / 3,
            "digon": 1 / 2,
            "pentagon": 2 / 5,
            "square antiprism": 3 / 8,
        }
    )
    assert [p.label for p in g.UNIFORM_POLYTOPES][-1] == "square antiprism 3/8"


def test_rotated_tegum_product_splits_into_its_factors():
    names = ["pentagon", "tetrahedron", "digon", "square antiprism", "triangle", "dedicated"]
    W, members = tegum_product(names, hidden=20, seed=3)
    factors = g.tegum_factors(W)
    assert sorted(f.name for f in factors) == sorted(names)
    by_name = {f.name: f for f in factors}
    for name, cols in zip(names, members, strict=True):
        f = by_name[name]
        p = f.polytope
        assert list(f.features) == sorted(cols)
        assert (f.size, f.rank) == (p.n_features, p.n_dims)
        assert f.dimensionality == pytest.approx([p.fraction] * f.size, abs=1e-4)
        assert f.shape_dimensionality == pytest.approx([p.fraction] * f.size, abs=1e-4)
        assert f.leakage < 1e-4
    # The biggest factor comes first.
    assert factors[0].name == "square antiprism"


def test_dimensionalities_of_a_tegum_product_add_up_to_its_dimensions():
    W, _ = tegum_product(["pentagon", "pentagon", "square antiprism", "digon"], hidden=12)
    assert float(tl.feature_dimensionality(W).sum()) == pytest.approx(2 + 2 + 3 + 1, abs=1e-4)


def test_labels_batch_over_instances_without_modifying_weights():
    tri, tri_cols = tegum_product(["triangle", "digon"], hidden=4, seed=1)
    pent, _ = tegum_product(["pentagon"], hidden=4, seed=2)
    W = torch.stack([tri, pent])  # both (4, 5)
    W[1, :, 2] = 0.01  # a pentagon vertex shrunk to nothing: not represented
    before = W.clone()
    labels = g.factor_labels(W)
    assert torch.equal(W, before)
    assert labels.shape == (2, 5)
    for cols in tri_cols:
        assert set(labels[0, cols].tolist()) == {min(cols)}
    assert labels[1, 2] == -1
    assert set(labels[1].tolist()) == {-1, 0}


def test_threshold_decides_what_counts_as_touching():
    # Two digons at 80° to each other (|cos| = 0.17) in the same plane.
    a = torch.tensor([1.0, 0.0])
    b = torch.tensor([math.cos(math.radians(80)), math.sin(math.radians(80))])
    W = torch.stack([a, -a, b, -b], dim=1)
    assert [f.name for f in g.tegum_factors(W, threshold=0.2)] == ["digon", "digon"]
    loose = g.tegum_factors(W, threshold=0.1)
    assert [(f.size, f.rank, f.polytope) for f in loose] == [(4, 2, None)]
    assert loose[0].name == "4 in 2-D"
    # The digons leak into each other, which the factors report.
    assert g.tegum_factors(W)[0].leakage == pytest.approx(math.cos(math.radians(80)), abs=1e-5)


def test_irregular_or_drowned_shapes_are_not_named():
    # A squashed triangle: 3 features in 2-D, but at 0°, 105°, 225°.
    angles = torch.deg2rad(torch.tensor([0.0, 105.0, 225.0]))
    squashed = torch.stack([angles.cos(), angles.sin()])
    (f,) = g.tegum_factors(squashed)
    assert (f.size, f.rank, f.polytope) == (3, 2, None)
    # A regular triangle among features that overlap it by less than the threshold but so many
    # that its whole-model D_i drop well below 2/3.
    rng = torch.Generator().manual_seed(0)
    noise = torch.randn(2, 40, generator=rng)
    noise = 0.15 * noise / noise.norm(dim=0)  # unrepresented, but they still interfere
    W = torch.cat([g.polytope_vertices("triangle"), noise], dim=1)
    (tri,) = g.tegum_factors(W)
    assert tri.shape_dimensionality == pytest.approx([2 / 3] * 3, abs=1e-5)
    assert max(tri.dimensionality) < 2 / 3 - 0.05
    assert tri.polytope is None


def test_census_counts_named_factors_per_instance():
    a, _ = tegum_product(["pentagon", "pentagon", "digon"], hidden=6, seed=4)  # 12 features
    b, _ = tegum_product(["tetrahedron", "square antiprism"], hidden=6, seed=5)  # 12 features
    census = g.polytope_census(torch.stack([a, b]))
    col = {n: c for c, n in enumerate(NAMES)}
    expected = torch.zeros(2, len(NAMES), dtype=torch.long)
    expected[0, col["pentagon"]], expected[0, col["digon"]] = 2, 1
    expected[1, col["tetrahedron"]], expected[1, col["square antiprism"]] = 1, 1
    assert torch.equal(census, expected)


@pytest.mark.parametrize("name", ["pentagon", "tetrahedron", "square antiprism"])
def test_projection_recovers_the_polytope_up_to_rotation(name):
    W, members = tegum_product([name, "triangle"], hidden=9, seed=7)
    V = g.polytope_vertices(name)
    P = g.project_to_span(W, members[0])
    assert P.shape == V.shape
    # Same shape: equal Gram matrices (distances and angles), whatever the basis.
    assert torch.allclose(P.T @ P, V.T @ V, atol=1e-5)
    # Reproducible orientation: each axis's largest coordinate is positive.
    assert (P.gather(1, P.abs().argmax(1, keepdim=True)) > 0).all()


def test_cluster_counts_see_a_cluster_and_not_a_smooth_spread():
    smooth = torch.arange(700) / 1000 + 0.2005  # one value every 0.001, none on a window's edge
    observed, chance = g.cluster_counts(smooth, [0.5, 0.4], window=0.01, span=0.04)
    assert observed.tolist() == [20, 20]
    assert torch.allclose(observed / chance, torch.ones(2), atol=0.05)
    clustered = torch.cat([smooth, torch.full((60,), 0.5)])
    observed, chance = g.cluster_counts(clustered, [0.5, 0.4], window=0.01, span=0.04)
    assert observed.tolist() == [80, 20]
    assert observed[0] / chance[0] > 2 and observed[1] / chance[1] < 1.05


def test_longest_run_near():
    v = torch.tensor([1.0, 0.9, 0.54, 0.52, 0.49, 0.6, 0.5, 0.3])
    assert g.longest_run_near(v, 0.5, 0.05) == (2, 3)
    assert g.longest_run_near(v, 0.5, 0.15) == (2, 5)
    assert g.longest_run_near(v, 0.0, 0.1) == (0, 0)


def test_bad_input_is_rejected_with_the_argument_named():
    with pytest.raises(ValueError, match="name='cube'"):
        g.polytope_vertices("cube")
    with pytest.raises(ValueError, match="threshold=1.5"):
        g.factor_labels(torch.eye(3), threshold=1.5)
    with pytest.raises(ValueError, match="hidden, features"):
        g.tegum_factors(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="instances, hidden, features"):
        g.polytope_census(torch.ones(3, 4))
    with pytest.raises(ValueError, match="features="):
        g.project_to_span(torch.eye(3), [5])
    with pytest.raises(ValueError, match="span=0.01"):
        g.cluster_counts(torch.ones(3), [0.5], window=0.02, span=0.01)


@pytest.mark.parametrize(
    ("name", "n_edges"),
    [("digon", 1), ("triangle", 3), ("pentagon", 5), ("tetrahedron", 6), ("square antiprism", 16)],
)
def test_polytope_edges_are_the_sides_not_the_diagonals(name, n_edges):
    V = g.polytope_vertices(name)
    edges = g.polytope_edges(V)
    assert len(edges) == n_edges
    degree = torch.bincount(torch.tensor(edges).flatten(), minlength=V.shape[1])
    assert (degree == degree[0]).all(), "every vertex of a uniform polytope looks the same"


def test_projection_keeps_only_the_leading_directions_when_asked():
    V = g.polytope_vertices("triangle")
    tilted = torch.cat(
        [V, 0.05 * torch.tensor([[1.0, -1.0, 0.5]])]
    )  # a small stray third direction
    assert g.project_to_span(tilted, [0, 1, 2]).shape == (3, 3)
    flat = g.project_to_span(tilted, [0, 1, 2], dims=2)
    assert flat.shape == (2, 3)
    assert torch.allclose(flat.T @ flat, V.T @ V, atol=0.01)
    with pytest.raises(ValueError, match="dims=4"):
        g.project_to_span(tilted, [0, 1, 2], dims=4)


def test_clearest_examples_pick_the_least_leaky_factor():
    clean = torch.zeros(3, 6)
    clean[:2, :5] = g.polytope_vertices("pentagon")
    clean[2, 5] = 1.0  # a dedicated feature, orthogonal to the pentagon
    leaky = clean.clone()
    leaky[2, 0] = 0.1  # one vertex tilts a little towards the dedicated feature
    factors = g.tegum_factors(leaky)
    assert [f.name for f in factors] == ["pentagon", "dedicated"]
    assert factors[0].leakage == pytest.approx(0.1, abs=0.01)
    found = g.clearest_examples(torch.stack([leaky, clean, clean]))
    assert list(found) == ["dedicated", "pentagon"]
    assert found["pentagon"][0] == 1 and found["pentagon"][1].leakage < 1e-6


def test_summary_lists_named_then_unnamed_factors():
    W, _ = tegum_product(["digon", "pentagon", "digon"], hidden=5, seed=9)
    angles = torch.deg2rad(torch.tensor([0.0, 105.0, 225.0]))
    squashed = torch.stack([angles.cos(), angles.sin()])
    W = torch.block_diag(W, squashed)
    text = g.summarize_factors(g.tegum_factors(W))
    assert text == "2 × digon, 1 × pentagon; unnamed: 1 × 3 in 2-D"
    assert g.summarize_factors([]) == "no uniform polytope"


def test_uniform_sweep_is_the_colab_experiment_or_the_papers_size():
    cfg = g.uniform_sweep()
    assert (cfg.n_features, cfg.n_hidden, cfg.n_instances) == (200, 20, 20)
    density = cfg.probability[:, 0]
    assert torch.allclose(density, 20.0 ** -torch.linspace(0, 1, 20))
    assert (cfg.probability == density[:, None]).all()
    assert (cfg.importances == 1).all()
    paper = g.uniform_sweep("paper", n_instances=5)
    assert (paper.n_features, paper.n_hidden, paper.n_instances) == (400, 30, 5)
    assert float(1 / paper.probability[-1, 0]) == pytest.approx(20)
    with pytest.raises(ValueError, match="scale='big'"):
        g.uniform_sweep("big")


def test_trained_like_tight_frames_have_dimensionalities_summing_to_m_and_random_ones_do_not():
    W, _ = tegum_product(["pentagon", "square antiprism", "triangle", "digon"], hidden=8, seed=2)
    assert float(tl.feature_dimensionality(W).sum()) == pytest.approx(8, abs=1e-4)
    random = torch.randn(20, 200, generator=torch.Generator().manual_seed(0))
    assert float(tl.feature_dimensionality(random).sum()) < 19


def sweep_like() -> tuple[torch.Tensor, torch.Tensor]:
    """Three hand-built 'models' of 8 hidden dims, 16 features, as a sweep would give them."""
    dense = torch.zeros(8, 16)
    dense[:, :8] = torch.eye(8)
    digons, _ = tegum_product(["digon"] * 8, hidden=8, seed=10)
    mixed, _ = tegum_product(["square antiprism", "pentagon", "digon", "dedicated"], 8, seed=11)
    return torch.stack([dense, digons, mixed]), torch.tensor([1.0, 0.3, 0.05])


def test_geometry_figures_draw_without_touching_the_weights():
    W, density = sweep_like()
    before = W.clone()
    fig = tl.geometry_uniform.dimensionality_figure(W, density)
    assert len(fig.axes) == 2
    examples = g.clearest_examples(W)
    assert list(examples) == ["dedicated", "digon", "pentagon", "square antiprism"]
    gallery = tl.geometry_uniform.polytope_gallery(W, examples, density)
    assert [ax.name for ax in gallery.axes] == ["rectilinear"] * 3 + ["3d"]
    snap = tl.geometry_uniform.geometry_snapshot(W[2], g.tegum_factors(W[2]), title="mixed")
    assert len(snap.axes) == 3  # histogram, square antiprism, pentagon (digons left out)
    assert torch.equal(W, before)
    plt.close("all")


def test_plot_polytope_needs_the_right_kind_of_axes():
    W, _ = tegum_product(["tetrahedron"], hidden=5)
    (f,) = g.tegum_factors(W)
    with pytest.raises(ValueError, match="3-D Axes"):
        tl.geometry_uniform.plot_polytope(W, f, ax=plt.figure().gca())
    assert tl.geometry_uniform.plot_polytope(W, f).name == "3d"
    with pytest.raises(ValueError, match="density="):
        tl.geometry_uniform.dimensionality_figure(W[None], torch.tensor([0.0]))
    plt.close("all")


def test_geometry_explorer_shows_the_chosen_model_without_retraining():
    W, density = sweep_like()
    box = tl.geometry_uniform.geometry_explorer(W, density, index=1)
    slider = box.children[0].children[0]
    status = box.children[1]
    assert not slider.continuous_update and "toy-sparsity" in slider._dom_classes
    assert "8 × digon" in status.value and box.png.startswith(b"\x89PNG")
    first = box.png
    change(box, slider, 2)
    assert "1 × square antiprism" in status.value and "1 × pentagon" in status.value
    assert box.png != first and "image/png" in box._repr_mimebundle_()
    with pytest.raises(ValueError, match="index=5"):
        tl.geometry_uniform.geometry_explorer(W, density, index=5)


def hand_built_sweep() -> torch.Tensor:
    """Ten 'models' of 6 hidden dims and 24 features, from dense to sparse as the paper describes.

    Three with a dedicated dimension per feature (D* = 1), triangles (2/3), three of digons (1/2),
    pentagons (2/5), and square antiprisms, the last scaled by 1.5 so that ``D*`` ends below 0.2.
    """
    layouts = [["dedicated"] * 6] * 3 + [["triangle"] * 3] + [["digon"] * 6] * 3
    layouts += [["pentagon"] * 3, ["square antiprism"] * 2, ["square antiprism"] * 2]
    models = []
    for k, names in enumerate(layouts):
        W, _ = tegum_product(names, hidden=6, seed=20 + k)
        models.append(torch.nn.functional.pad(W, (0, 24 - W.shape[1])))
    models[-1] = 1.5 * models[-1]
    return torch.stack(models)


def test_sweep_claims_on_a_sweep_that_shows_the_papers_picture():
    W = hand_built_sweep()
    claims = g.sweep_claims(W)
    assert tl.dimensions_per_feature(W)[-1] < 0.2
    for name in ("D* = 1 when dense", "D* falls", "D* sticky at 1", "D* sticky at 1/2"):
        assert claims[name], name
    assert claims["sum of D_i = m"]
    assert claims["triangles before digons"] and claims["pentagons and antiprisms after digons"]
    found = g.polytope_positions(W)
    assert found == {
        "dedicated": [0, 1, 2],
        "tetrahedron": [],
        "triangle": [3],
        "digon": [4, 5, 6],
        "pentagon": [7],
        "square antiprism": [8, 9],
    }
    assert all(claims[f"found {name}"] == bool(found[name]) for name in NAMES)
    # 15 pentagon vertices at 2/5 share their ±0.04 span with 32 antiprism vertices at 3/8: chance
    # is 47/4 there, so the pentagons are no cluster, while the antiprisms are; nothing is near 3/4.
    assert claims["cluster at square antiprism 3/8"] and not claims["cluster at pentagon 2/5"]
    assert claims["cluster at digon 1/2"] and claims["cluster at triangle 2/3"]
    assert not claims["cluster at tetrahedron 3/4"]


def test_sweep_claims_fail_when_the_picture_is_broken():
    W = hand_built_sweep()
    backwards = g.sweep_claims(W.flip(0))
    for name in ("D* = 1 when dense", "D* falls", "triangles before digons"):
        assert not backwards[name], name
    assert not backwards["pentagons and antiprisms after digons"]
    # One dense model fewer: D* = 1 for only two models is no plateau.
    assert not g.sweep_claims(W[1:])["D* sticky at 1"]
    # A sweep without triangles cannot have them before the digons.
    assert not g.sweep_claims(W[4:])["triangles before digons"]
    random = torch.randn(4, 6, 24, generator=torch.Generator().manual_seed(3))
    claims = g.sweep_claims(random)
    assert not claims["sum of D_i = m"] and not claims["D* sticky at 1/2"]
    assert not any(claims[f"found {name}"] for name in NAMES if name != "dedicated")
    with pytest.raises(ValueError, match="sweep_claims needs"):
        g.sweep_claims(W[0])


def test_geometry_explorer_retrains_the_selected_model_from_another_seed():
    """A retrain is the selected density's model alone, trained as the sweep was."""
    W, density = sweep_like()
    box = tl.geometry_uniform.geometry_explorer(W, density, index=2)
    source, seed = box.children[0].children[1].children
    change(box, seed, 3)
    assert box.children[1].value.startswith("the sweep's model")
    change(box, source, "retrain")
    status = box.children[1].value
    assert status.startswith("retrained alone, seed 3: ") and "features represented" in status
    cfg = tl.Config(16, 8, feature_probability=float(density[2]), importance=1.0)
    model = tl.ToyModel(cfg, seed=3)
    tl.train(model, seed=3, progress=False)
    n_rep = int(tl.represented(model.W.detach()[0]).sum())
    assert status.startswith(f"retrained alone, seed 3: {n_rep} of 16 features represented")
