"""Niche geometry: the seeded default section, derived masks, distances and user masks."""

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.niche import Geometry, default_section, geometry_from_mask, geometry_labels, label_image


@pytest.mark.parametrize("ndim", [2, 3])
def test_default_section_is_deterministic_in_its_seed(ndim):
    size = 1000.0 if ndim == 2 else 400.0
    first, again = default_section(ndim=ndim, size_um=size, seed=7), default_section(ndim=ndim, size_um=size, seed=7)
    other = default_section(ndim=ndim, size_um=size, seed=8)
    assert np.array_equal(geometry_labels(first), geometry_labels(again))
    assert not np.array_equal(geometry_labels(first), geometry_labels(other))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_section_has_bone_surface_and_stable_and_sprouting_vessels(seed):
    geometry = default_section(seed=seed)
    assert geometry.shape == (100, 100)
    assert geometry.extent_um == (1000.0, 1000.0)
    assert 0.10 < geometry.bone.mean() < 0.35
    assert 0.02 < geometry.vessel.mean() < 0.15
    sprouting_share = geometry.sprouting.sum() / geometry.vessel.sum()
    assert 0.02 < sprouting_share < 0.25
    assert (geometry.vessel & ~geometry.sprouting).any()
    assert geometry.bone[:, :10].all()  # the cortical plate along y < 100 µm
    assert not (geometry.bone & geometry.vessel).any()
    assert geometry.endosteal.any() and not (geometry.endosteal & ~geometry.marrow).any()
    # every endosteal voxel touches bone, and marrow away from bone is not endosteal
    assert np.all(geometry.distance_to_bone_um()[geometry.endosteal] <= 10.0 * np.sqrt(2) + 1e-9)
    assert not geometry.endosteal[geometry.distance_to_bone_um() > 15.0].any()


def test_default_section_in_3d_has_every_tissue():
    geometry = default_section(ndim=3, size_um=500.0, seed=1)
    assert geometry.ndim == 3 and geometry.shape == (50, 50, 50)
    assert geometry.bone.any() and geometry.endosteal.any() and geometry.sprouting.any()
    assert (geometry.vessel & ~geometry.sprouting).any()


def test_distances_and_voxel_index():
    bone = np.zeros((10, 6), dtype=bool)
    bone[0] = True
    vessel = np.zeros_like(bone)
    vessel[9, 3] = True
    geometry = Geometry(spacing_um=5.0, bone=bone, vessel=vessel, sprouting=np.zeros_like(bone))
    assert np.array_equal(geometry.distance_to_bone_um()[:, 0], 5.0 * np.arange(10))
    assert geometry.distance_to_vessel_um()[9, 0] == 15.0
    assert geometry.endosteal[1].all() and not geometry.endosteal[2].any()
    positions = np.array([[0.0, 0.0], [4.99, 5.0], [49.9, 29.9], [-3.0, 100.0]])
    assert geometry.voxel_index(positions).tolist() == [[0, 0], [0, 1], [9, 5], [0, 5]]
    empty = Geometry(spacing_um=5.0, bone=np.zeros_like(bone), vessel=vessel, sprouting=np.zeros_like(bone))
    assert np.isinf(empty.distance_to_bone_um()).all()


def test_mask_png_round_trips(tmp_path):
    import imageio.v3 as iio

    geometry = default_section(size_um=300.0, spacing_um=10.0, seed=2)
    grey = tmp_path / "labels.png"
    iio.imwrite(grey, label_image(geometry))
    loaded = geometry_from_mask(grey, spacing_um=10.0)
    assert np.array_equal(geometry_labels(loaded), geometry_labels(geometry))
    colours = np.array([[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0]], dtype=np.uint8)
    rgb = tmp_path / "colours.png"
    iio.imwrite(rgb, colours[label_image(geometry)])
    assert np.array_equal(geometry_labels(geometry_from_mask(rgb, spacing_um=10.0)), geometry_labels(geometry))
    # the image's top-left pixel is x = 0 at the top of the domain (y index ny - 1)
    image = np.zeros((3, 4), dtype=np.uint8)
    image[0, 0] = 1
    corner = tmp_path / "corner.png"
    iio.imwrite(corner, image)
    bone = geometry_from_mask(corner, spacing_um=1.0).bone
    assert bone.shape == (4, 3) and bone[0, 2] and bone.sum() == 1


def test_label_arrays_load_in_3d():
    labels = np.zeros((4, 5, 6), dtype=np.int16)
    labels[0] = 1
    labels[2, 2, 2] = 2
    labels[3, 3, 3] = 3
    geometry = geometry_from_mask(labels, spacing_um=2.0)
    assert geometry.extent_um == (8.0, 10.0, 12.0)
    assert geometry.vessel.sum() == 2 and geometry.sprouting.sum() == 1 and geometry.bone.sum() == 30


@pytest.mark.parametrize(
    ("mask", "match"),
    [
        (np.array([[0, 1], [5, 0]]), "mask.*label"),
        (np.zeros((2, 2), dtype=float), "mask.*integer"),
        (np.zeros(5, dtype=int), "mask.*2D or 3D"),
        ("no/such/file.png", "mask.*no file"),
    ],
)
def test_bad_masks_name_the_field(mask, match):
    with pytest.raises(InputError, match=match):
        geometry_from_mask(mask, spacing_um=1.0)


def test_bad_colour_and_spacing_name_the_field(tmp_path):
    import imageio.v3 as iio

    path = tmp_path / "odd.png"
    iio.imwrite(path, np.full((3, 3, 3), 128, dtype=np.uint8))
    with pytest.raises(InputError, match=r"mask.*colour \(128, 128, 128\)"):
        geometry_from_mask(path, spacing_um=1.0)
    with pytest.raises(InputError, match="spacing_um"):
        geometry_from_mask(np.zeros((2, 2), dtype=int), spacing_um=0.0)
    text = tmp_path / "text.png"
    text.write_text("not an image")
    with pytest.raises(InputError, match=r"mask.*readable"):
        geometry_from_mask(text, spacing_um=1.0)


def test_inconsistent_arrays_are_refused():
    bone = np.zeros((3, 3), dtype=bool)
    with pytest.raises(InputError, match="vessel"):
        Geometry(spacing_um=1.0, bone=bone, vessel=np.zeros((3, 4), dtype=bool), sprouting=bone)
    sprouting = bone.copy()
    sprouting[1, 1] = True
    with pytest.raises(InputError, match="sprouting"):
        Geometry(spacing_um=1.0, bone=bone, vessel=bone, sprouting=sprouting)
