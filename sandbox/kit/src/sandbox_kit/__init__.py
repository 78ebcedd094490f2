"""What every vendor sandbox shares: :class:`~sandbox_kit.clock.SandboxClock` and the control API's
per-company limits and faults routes (:func:`~sandbox_kit.control.limits_and_faults_routes`)."""

from sandbox_kit.clock import SandboxClock
from sandbox_kit.control import FaultsIn, apply_patch, limits_and_faults_routes

__all__ = ["FaultsIn", "SandboxClock", "apply_patch", "limits_and_faults_routes"]
