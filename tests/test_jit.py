"""Serial and threaded builds of one kernel: separate cache entries, same results."""

import numba
import numpy as np

from dormancy.jit import serial_and_parallel
from dormancy.niche.agents import _migrate_parallel, _migrate_serial, _philox_parallel, _philox_serial
from dormancy.niche.field_stepper import _lod_field_parallel, _lod_field_serial
from dormancy.niche.mechanics import _velocities_parallel, _velocities_serial
from dormancy.signalling.own_lanes import own_lanes_parallel, own_lanes_serial


def _squares(values, out):
    for i in numba.prange(values.shape[0]):
        out[i] = values[i] * values[i]


def test_serial_build_has_its_own_name_cache_entry_and_no_threads():
    serial, parallel = serial_and_parallel(_squares, cache=True)
    values = np.arange(10.0)
    out = np.empty(10)
    serial(values, out)
    assert np.array_equal(out, values**2)
    assert serial.py_func.__qualname__ == "_squares_serial" and parallel.py_func.__qualname__ == "_squares"
    assert not serial.targetoptions.get("parallel") and parallel.targetoptions.get("parallel")
    for one, many in (
        (serial, parallel),
        (_migrate_serial, _migrate_parallel),
        (_philox_serial, _philox_parallel),
        (_lod_field_serial, _lod_field_parallel),
        (_velocities_serial, _velocities_parallel),
        (own_lanes_serial, own_lanes_parallel),
    ):
        # numba's cache keys a function by name, file and line, not by parallel=: the names must differ
        assert one._cache._cache_file._index_name != many._cache._cache_file._index_name
