from app.services.send_limits import _seconds_until_slot


def test_without_a_previous_window_a_slot_frees_when_the_window_ends():
    assert _seconds_until_slot(previous=0, current=100, limit=100, window=3600, elapsed=600) == 3000


def test_a_full_current_window_frees_only_when_it_ends():
    assert _seconds_until_slot(previous=50, current=100, limit=100, window=3600, elapsed=10) == 3590


def test_a_busy_previous_window_frees_a_slot_as_its_weight_decays():
    # 100 * (1 - t/3600) + 0 + 1 <= 100  once t >= 36 s into the window
    assert _seconds_until_slot(previous=100, current=0, limit=100, window=3600, elapsed=0) == 36
    assert _seconds_until_slot(previous=100, current=0, limit=100, window=3600, elapsed=30) == 6


def test_retry_after_is_at_least_one_second():
    assert _seconds_until_slot(previous=100, current=0, limit=100, window=3600, elapsed=35.9) == 1
