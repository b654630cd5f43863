"""What holds a request back besides a policy's veto: its score below the threshold, the device
off, a run of the same identifier still in progress."""

from __future__ import annotations

from collections.abc import Mapping

from .base import Reason


class Threshold(Reason):
    def __init__(self) -> None:
        super().__init__("threshold", "Score below threshold", "S", "F41, F43, F§2.3")

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "its score was below the threshold: iOS holds refreshes for a moment when it "
            "predicts the user will open the app, and gives apps it predicts no use for "
            "little or no time (F41, F43)"
        )


class DeviceOff(Reason):
    def __init__(self) -> None:
        super().__init__("device_off", "Device off", "O", "SPEC §5.1")

    def explain(self, params: Mapping[str, object]) -> str:
        return "the device was off"


class AlreadyRunning(Reason):
    def __init__(self) -> None:
        super().__init__("already_running", "Already running", "W", "F28")

    def explain(self, params: Mapping[str, object]) -> str:
        return "a run with the same identifier was still in progress"


STATES: tuple[Reason, ...] = (Threshold(), DeviceOff(), AlreadyRunning())
# The `throttled` rationale of the engine states that are not a score.
STATE_WORDS: dict[str, str] = {
    "device_off": "the device is off",
    "already_running": "a run of this identifier is in progress",
}
