"""Lab figures mark the protocol's phases and label every axis (issue 20)."""

import pytest

import dormancy


@pytest.mark.parametrize(
    ("name", "phases"), [("coculture-indirect", {"chemotherapy"}), ("hypoxia-intermittent", {"hypoxia cycles"})]
)
def test_time_courses_shade_the_phases_and_bar_panels_have_a_y_label(name, phases):
    protocol = dormancy.lab.PROTOCOLS[name]
    figure = protocol.figure(dormancy.lab.run_protocol(name, seed=1, options=protocol.quick))
    first = figure.axes[0]
    shaded = {patch.get_label() for patch in first.patches}
    assert phases <= shaded
    for axis in figure.axes:
        assert axis.get_ylabel(), f"{axis.get_title()!r} has no y label"
