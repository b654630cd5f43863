"""The usage predictor keeps curves and per-day spans between queries; the answers must be the
ones a predictor that never kept anything would give."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgreplay.engine.params import Params
from bgreplay.engine.predictor import DEVICE, UsagePredictor
from bgreplay.engine.profiles import build_profile
from bgreplay.trace.model import DAY_MS

MIN = 60_000
FIRST_DAY = 20_500  # a local day number (2026)
APPS = ("io.a", "io.b")

observation = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(APPS), st.integers(0, 40 * DAY_MS)),
    st.tuples(st.just("unlocked"), st.integers(1, 90 * MIN), st.integers(0, 40 * DAY_MS)),
)


def _predictor() -> UsagePredictor:
    return UsagePredictor(Params(build_profile("ios-26").params), FIRST_DAY)


def _feed(predictor: UsagePredictor, obs) -> None:
    kind, what, t = obs
    local = FIRST_DAY * DAY_MS + t
    if kind == "open":
        predictor.observe_open(what, local)
    else:
        predictor.observe_unlocked(local, local + what)


def _answers(predictor: UsagePredictor, at: int) -> tuple:
    local = FIRST_DAY * DAY_MS + at
    return (
        predictor.in_use_probability(local),
        predictor.in_use_probability(local + DAY_MS),  # tomorrow, as the optimal scan asks
        *(predictor.app_likelihood(app, local, 0.5) for app in APPS),
        *(predictor.next_above(app, local, 0.3) for app in APPS),
        *(predictor.daily_opens(app, local // DAY_MS) for app in APPS),
        *(predictor.next_rise(app, local // DAY_MS + 1, 0.3, local) for app in APPS),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=st.lists(observation, max_size=30),
    live=st.lists(observation, max_size=60),
    queries=st.lists(st.integers(0, 45 * DAY_MS), min_size=1, max_size=8),
)
def test_kept_curves_answer_as_a_fresh_predictor_would(history, live, queries):
    """History arrives in any order, the replay's observations in time order, queries in
    between; after every step, the warm predictor agrees with one fed the same from cold."""
    warm = _predictor()
    seen = []
    steps = [*history, *sorted(live, key=lambda o: o[2])]
    for k, obs in enumerate(steps):
        _feed(warm, obs)
        seen.append(obs)
        at = queries[k % len(queries)]
        cold = _predictor()
        for old in seen:
            _feed(cold, old)
        assert _answers(warm, at) == _answers(cold, at)


def test_a_day_of_use_is_predicted_for_the_next_day_and_not_before_it_is_seen():
    predictor = _predictor()
    day = FIRST_DAY * DAY_MS
    at_eight = 8 * 60 * MIN
    assert predictor.in_use_probability(day + DAY_MS + at_eight) == 0.0
    predictor.observe_unlocked(day + at_eight, day + at_eight + 10 * MIN)
    assert predictor.in_use_probability(day + DAY_MS + at_eight) == 1.0
    assert predictor.in_use_probability(day + DAY_MS + 14 * 60 * MIN) == 0.0
    assert DEVICE not in APPS


def test_an_app_s_opens_are_counted_on_a_local_day_before_the_first():
    """A time zone change can put the local clock on a day before the first one the replay
    observed (a flight west on its first morning): the app's daily opens count that day alone,
    as they count today on any other day."""
    predictor = _predictor()
    predictor.observe_open("io.a", FIRST_DAY * DAY_MS + 8 * 60 * MIN)
    assert predictor.daily_opens("io.a", FIRST_DAY - 1) == 0.0
    predictor.observe_open("io.a", (FIRST_DAY - 1) * DAY_MS + 20 * 60 * MIN)
    assert predictor.daily_opens("io.a", FIRST_DAY - 1) == 1.0


def test_a_predicted_use_window_rises_once_at_its_start():
    """Opens at 08:00 on past days: the next day's window opens 30 minutes before (the
    predictor's window) and is found from any earlier moment of that day, never after it."""
    predictor = _predictor()
    for day in range(FIRST_DAY, FIRST_DAY + 5):
        predictor.observe_open("io.a", day * DAY_MS + 8 * 60 * MIN)
    tomorrow = FIRST_DAY + 5
    window = Params(build_profile("ios-26").params).predictor_window
    rise = tomorrow * DAY_MS + 8 * 60 * MIN - window
    assert predictor.next_rise("io.a", tomorrow, 0.3, tomorrow * DAY_MS) == rise
    assert predictor.next_rise("io.a", tomorrow, 0.3, rise - 1) == rise
    assert predictor.next_rise("io.a", tomorrow, 0.3, rise) is None
    assert predictor.next_rise("io.b", tomorrow, 0.3, tomorrow * DAY_MS) is None
