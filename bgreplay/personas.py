"""The personas of synthetic device traces (SPEC §5.4), anchored on published usage statistics.

Every number of a persona is a documented parameter whose source is a T§ section of the trace
research (listed in docs/sources.md); ``bgreplay personas`` prints them, so docs and behaviour
cannot drift. ``persona_trace`` turns a persona into a trace.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TypedDict, TypeVar

from bgreplay.errors import InputError

T = TypeVar("T")


def _p(default: T, unit: str, source: str, doc: str) -> T:
    """A persona parameter: its default, with the unit, source and meaning ``personas`` prints."""
    return field(default=default, metadata={"unit": unit, "source": source, "doc": doc})


# T§3.3 default hourly session intensity h00..h23 (relative weights; shape from Localytics,
# https://priceonomics.com/when-do-americans-use-smartphones/ and the dscout/Deloitte night and
# waking statistics quoted there).
T33_CURVE = (
    1.2,
    0.6,
    0.35,
    0.25,
    0.25,
    0.4,
    1.2,
    2.6,
    3.2,
    3.0,
    2.8,
    3.0,
    3.4,
    3.1,
    2.9,
    3.0,
    3.2,
    3.4,
    3.5,
    3.7,
    4.0,
    4.3,
    4.1,
    2.6,
)


@dataclass(frozen=True, slots=True)
class Persona:
    """One kind of iPhone user. Defaults are the office worker; the others override a few."""

    name: str
    description: str
    # --- interactions (T§3.1: 57-80/day, W-Hintze14 https://www.mayrhofer.eu.org/publication/
    # paper-ubicomp-2014-adjunct-mobile-device-locking-usage/, W-Apple80, W-dscout)
    sessions_median: float = _p(
        70.0,
        "per day",
        "T§3.1, T§3.10",
        "interactions (unlocks + glances) on a workday, lognormal median",
    )
    sessions_sigma: float = _p(0.3, "ln", "T§3.10", "day-to-day lognormal sigma of that count")
    unlocked_share: float = _p(
        0.45, "ratio", "T§3.1 (43-46 %)", "share of interactions that unlock; the rest are glances"
    )
    hourly: tuple[float, ...] = _p(
        T33_CURVE, "weights", "T§3.3", "session intensity by hour, shifted by wake time - 07:00"
    )
    screen_min: float = _p(
        150.0,
        "min/day",
        "T§3.10 (T§3.1: 117-145)",
        "mean screen-on time; sets the session body mean",
    )
    # --- session length: exponential body + shifted Pareto tail (Falaki, T§3.2,
    # https://slideplayer.com./amp/3122590)
    tail_share: float = _p(
        0.08,
        "ratio",
        "T§3.2 (shape); share GUESS",
        "share of unlocked sessions drawn from the Pareto tail",
    )
    tail_min_s: float = _p(600.0, "s", "T§3.2 (shape); GUESS", "Pareto tail minimum")
    tail_alpha: float = _p(1.7, "", "T§3.2 (shape); GUESS", "Pareto tail index")
    session_max_s: float = _p(10800.0, "s", "GUESS", "longest unlocked session")
    glance_mean_s: float = _p(
        10.0, "s", "T§3.2 (glances: time, notifications); GUESS", "mean locked screen-on glance"
    )
    # --- apps (T§3.2 W-Bohmer 71.6 s mean, W-microusage 40 % < 15 s; T§3.4 rank law)
    app_median_s: float = _p(
        20.0,
        "s",
        "T§3.2 (DERIVED: mean 71.6 s, 40 % < 15 s)",
        "app foreground time, lognormal median",
    )
    app_sigma: float = _p(1.6, "ln", "T§3.2 (DERIVED)", "app foreground time, lognormal sigma")
    apps_per_unlock: float = _p(
        1.8,
        "apps",
        "T§3.2 (dscout: 52 % one, 27 % two, 9 % >= 4)",
        "app opens per unlocked session, all apps",
    )
    rank_lambda: float = _p(
        5.0, "ranks", "T§3.4 (lambda 4-6)", "rate of rank k is proportional to exp(-k/lambda)"
    )
    first_rank: int = _p(
        3, "rank", "GUESS", "rank of the first --app among the user's apps (0 = most used)"
    )
    opens_apps: bool = _p(True, "bool", "SPEC §5.4", "false: the apps are installed, never opened")
    # --- day shape (T§3.10 wake/sleep; weekends T§3.10)
    wake_min: int = _p(420, "clock", "T§3.10", "wake time (minutes after midnight)")
    sleep_min: int = _p(1410, "clock", "T§3.10", "sleep time (past 24:00 = after midnight)")
    jitter_min: float = _p(20.0, "min", "GUESS", "sigma of wake, sleep and work times")
    workdays: tuple[int, ...] = _p(
        (0, 1, 2, 3, 4),
        "weekday",
        "GUESS",
        "working days, 0 = Monday (of each rota week for shifts)",
    )
    work_start_min: int = _p(540, "clock", "GUESS", "work starts (minutes after midnight)")
    work_hours: float = _p(8.5, "h", "GUESS", "time at work; 0 = no work")
    commute_min: float = _p(35.0, "min", "GUESS", "each way")
    rotation: tuple[tuple[int, int, int], ...] = _p(
        (),
        "clock",
        "T§3.10 (rotating); GUESS",
        "shift rota: (wake, work start, sleep) per week, cycled",
    )
    offday_wake_shift_min: float = _p(60.0, "min", "T§3.10", "later wake on days off")
    offday_sessions: float = _p(1.2, "x", "T§3.10", "interaction factor on days off")
    offday_wifi: float = _p(0.10, "ratio", "T§3.10, T§3.6 (W-OS2020b)", "extra Wi-Fi chance")
    evening_out_p: float = _p(0.3, "p/day", "GUESS", "workday evening outing")
    offday_outings: float = _p(1.5, "per day", "GUESS", "outings on a day off (Poisson)")
    # --- network: Wi-Fi chance by place (T§3.6 https://www.opensignal.com/2017/04/18/
    # whose-customers-are-using-wifi-the-most-in-the-us; calibrated to the persona's share)
    wifi_home: float = _p(0.72, "p", "T§3.6 (0.97 GUESS, calibrated)", "Wi-Fi at home")
    wifi_work: float = _p(0.5, "p", "T§3.6 (0.7 GUESS, calibrated)", "Wi-Fi at work")
    wifi_out: float = _p(0.1, "p", "T§3.6", "Wi-Fi while commuting or out")
    wifi_hotel: float = _p(0.6, "p", "GUESS", "Wi-Fi at a hotel")
    wifi_airport: float = _p(0.4, "p", "GUESS", "Wi-Fi at an airport")
    dead_zone_p: float = _p(
        0.3,
        "p",
        "T§3.6 (0.5 % of time without network)",
        "chance of a 2-8 min gap without network per trip",
    )
    # --- charging (T§3.5, W-NPD https://soundsnerdy.com/tech-news-main/tech-news/
    # survey-reveals-interesting-details-about-american-phone-charging-habits/)
    night_charge_p: float = _p(0.9, "p/night", "T§3.5, T§3.10", "plugged in overnight")
    plug_lead_min: float = _p(
        45.0, "min", "T§3.5 (N(22:45, 60 min))", "plug in this long before sleep (mean)"
    )
    plug_lead_sigma_min: float = _p(60.0, "min", "T§3.5", "sigma of that")
    topups_per_day: float = _p(
        0.6, "per day", "T§3.5, T§3.10 (69 % charge >= 2x/day)", "daytime top-up charges (Poisson)"
    )
    topup_median_min: float = _p(35.0, "min", "T§3.5", "top-up length, lognormal median")
    wireless_share: float = _p(
        0.24,
        "ratio",
        "T§3.5 (DERIVED: 28 % of 88 + 28 %)",
        "share of charges on a wireless charger",
    )
    # --- Low Power Mode, reboots, travel (T§3.8)
    lpm_p: float = _p(
        0.1,
        "p/day",
        "T§3.8 (30 % of users, 60 % of occasions)",
        "switches Low Power Mode on in the evening, until the next charge",
    )
    reboots_per_day: float = _p(0.05, "per day", "T§3.8", "user reboots")
    update_every_days: float = _p(
        28.0, "days", "T§3.8 (2-6 weeks)", "an OS update reboots the phone at night while charging"
    )
    trip_p: float = _p(0.0, "p/14 days", "T§3.8; GUESS", "chance of a trip in each fortnight")
    trip_days: tuple[int, int] = _p((2, 5), "days", "GUESS", "trip length range")

    def expected_sessions(self) -> float:
        """Mean interactions per day over a week (lognormal mean, days off included)."""
        work = sum(1 for d in range(7) if d in self.workdays)
        week = work + (7 - work) * self.offday_sessions
        return self.sessions_median * math.exp(self.sessions_sigma**2 / 2) * week / 7

    def session_body_mean_s(self) -> float:
        """DERIVED: the exponential body mean that gives ``screen_min`` on average."""
        sessions = self.expected_sessions()
        unlocks = sessions * self.unlocked_share
        glance = 2 + self.glance_mean_s * math.exp(-2 / self.glance_mean_s)
        needed = (self.screen_min * 60 - (sessions - unlocks) * glance) / max(unlocks, 1e-9)
        a, xm, cap = self.tail_alpha, self.tail_min_s, self.session_max_s
        tail: float = xm * a / (a - 1) - xm**a * cap ** (1 - a) / (a - 1)
        return max(10.0, (needed - self.tail_share * tail) / (1 - self.tail_share))


_OFFICE = Persona("office_worker", "commutes to an office on weekdays; charges at night")
PERSONAS: Mapping[str, Persona] = MappingProxyType(
    {
        p.name: p
        for p in (
            _OFFICE,
            replace(
                _OFFICE,
                name="heavy_user",
                description="student or heavy user: many sessions, late nights, campus Wi-Fi",
                sessions_median=110.0,
                unlocked_share=0.5,
                screen_min=270.0,
                wake_min=510,
                sleep_min=1500,
                work_start_min=600,
                work_hours=6.0,
                commute_min=25.0,
                evening_out_p=0.5,
                offday_outings=2.0,
                wifi_home=0.75,
                wifi_work=0.7,
                wifi_out=0.15,
                night_charge_p=0.8,
                topups_per_day=1.0,
                lpm_p=0.25,
            ),
            replace(
                _OFFICE,
                name="light_user",
                description="older or light user, mostly at home; charges every night or two",
                sessions_median=30.0,
                sessions_sigma=0.4,
                unlocked_share=0.4,
                screen_min=50.0,
                wake_min=390,
                sleep_min=1350,
                workdays=(),
                work_hours=0.0,
                offday_sessions=1.0,
                offday_wake_shift_min=0.0,
                offday_wifi=0.0,
                offday_outings=1.2,
                wifi_home=0.6,
                night_charge_p=0.7,
                topups_per_day=0.2,
                lpm_p=0.05,
            ),
            replace(
                _OFFICE,
                name="shift_worker",
                description="rotating early, late and night shifts; sleeps by day on night weeks",
                sessions_median=60.0,
                sessions_sigma=0.35,
                screen_min=140.0,
                commute_min=30.0,
                work_hours=8.0,
                rotation=((300, 360, 1290), (570, 840, 1470), (870, 1320, 1890)),
                wifi_home=0.7,
                wifi_work=0.35,
                evening_out_p=0.2,
                night_charge_p=0.85,
                topups_per_day=0.5,
            ),
            replace(
                _OFFICE,
                name="traveller",
                description="office worker who flies to another time zone about twice a month",
                sessions_median=80.0,
                sessions_sigma=0.35,
                screen_min=180.0,
                wake_min=390,
                work_start_min=510,
                work_hours=9.0,
                commute_min=30.0,
                wifi_home=0.5,
                wifi_work=0.3,
                wifi_out=0.05,
                wifi_hotel=0.35,
                wifi_airport=0.3,
                night_charge_p=0.6,
                topups_per_day=1.2,
                lpm_p=0.2,
                trip_p=0.9,
            ),
            replace(
                _OFFICE,
                name="never_opens",
                description="an average user who has the scenario's apps but never opens them",
                sessions_median=60.0,
                unlocked_share=0.46,
                screen_min=120.0,
                night_charge_p=0.8,
                topups_per_day=0.7,
                opens_apps=False,
            ),
        )
    }
)


def get_persona(name: str | Persona) -> Persona:
    """The built-in persona ``name``; an unknown name is an ``InputError`` with a suggestion."""
    if isinstance(name, Persona):
        return name
    persona = PERSONAS.get(name)
    if persona is None:
        close = difflib.get_close_matches(name, sorted(PERSONAS), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"unknown persona {name!r}{hint}",
            fix="choose one of " + ", ".join(PERSONAS) + " (bgreplay personas)",
        )
    return persona


class PersonaParameter(TypedDict):
    """One row of ``bgreplay personas``."""

    name: str
    value: object
    unit: str
    source: str
    description: str


def parameters(persona: Persona) -> list[PersonaParameter]:
    """Every parameter with value, unit, source and meaning (the ``bgreplay personas`` data)."""
    rows: list[PersonaParameter] = []
    for f in fields(Persona):
        if not f.metadata:
            continue
        rows.append(
            {
                "name": f.name,
                "value": getattr(persona, f.name),
                "unit": f.metadata["unit"],
                "source": f.metadata["source"],
                "description": f.metadata["doc"],
            }
        )
        if f.name == "session_max_s":
            rows.append(
                {
                    "name": "session_body_mean_s",
                    "value": round(persona.session_body_mean_s(), 1),
                    "unit": "s",
                    "source": "DERIVED from screen_min and the tail",
                    "description": "exponential body mean of unlocked sessions",
                }
            )
    return rows


def parse_app(text: str) -> tuple[str, float | None]:
    """``BUNDLE`` or ``BUNDLE:RATE`` (opens per day) as ``(bundle, rate or None)``."""
    bundle, sep, rate_text = text.strip().rpartition(":")
    if not sep:
        bundle, rate_text = text.strip(), ""
    if not bundle or any(c.isspace() for c in bundle) or (sep and not rate_text):
        raise InputError(
            f"--app {text!r} is not BUNDLE or BUNDLE:RATE",
            fix="write e.g. --app io.cocoabytes.filmtracker:4 (4 opens a day)",
        )
    if not sep:
        return bundle, None
    try:
        rate = float(rate_text)
    except ValueError:
        rate = -1.0
    if not math.isfinite(rate) or rate < 0:
        raise InputError(
            f"--app {text!r}: the rate {rate_text!r} is not a number >= 0",
            fix="give opens per day, e.g. --app io.x:2.5",
        )
    return bundle, rate


def app_rates(
    persona: Persona, apps: Sequence[tuple[str, float | None]]
) -> list[tuple[str, float]]:
    """Opens per day for each app: its explicit rate, else the rank-exponential law (T§3.4)
    with the i-th app at rank ``first_rank + i``; all zero for a persona that never opens."""
    total = persona.expected_sessions() * persona.unlocked_share * persona.apps_per_unlock
    lam = persona.rank_lambda
    out: list[tuple[str, float]] = []
    for i, (bundle, rate) in enumerate(apps):
        if not persona.opens_apps:
            rate = 0.0
        elif rate is None:
            rate = total * (1 - math.exp(-1 / lam)) * math.exp(-(persona.first_rank + i) / lam)
        out.append((bundle, float(rate)))
    return out
