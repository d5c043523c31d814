"""The per-process caches keep at most their bound, dropping the least recently used."""
from __future__ import annotations

from app.caches.bounded_lru import BoundedLRU


def test_the_least_recently_used_entry_goes_first():
    cache: BoundedLRU[str] = BoundedLRU(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now b is the least recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    cache.clear()
    assert cache.get("a") is None
