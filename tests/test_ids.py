"""Request and content ids come from a pool of OS randomness: hex of the asked length, never
repeated, and a forked worker never hands out its parent's pooled bytes."""

from __future__ import annotations

import os

from aigc_gateway import ids


def test_ids_are_hex_of_the_asked_length_and_unique() -> None:
    drawn = [ids.random_hex(12) for _ in range(3 * ids.POOL_BYTES // 12)]  # refills twice
    assert all(len(value) == 24 and int(value, 16) >= 0 for value in drawn)
    assert len(set(drawn)) == len(drawn)
    assert len(ids.random_hex(ids.POOL_BYTES + 1)) == 2 * (ids.POOL_BYTES + 1)


def test_a_forked_child_does_not_reuse_the_parent_pool() -> None:
    ids.random_hex(4)  # the pool is filled now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, to the parent
        os.write(write, ids.random_hex(12).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 24
    assert child != ids.random_hex(12)  # the parent's next id: the same bytes without the reset
