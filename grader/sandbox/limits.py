"""Resource limits applied to a child process before it runs any code."""
from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Per-run limits; the wall clock is enforced by the launcher, the rest by the kernel."""

    wall_seconds: float = 60.0
    cpu_seconds: int = 120
    memory_bytes: int = 3 * 1024**3  # address space; `import torch` needs about 1 GiB of it
    file_bytes: int = 64 * 1024**2
    open_files: int = 256
    processes: int = 256  # per uid: binding once the run has its own uid (see isolation.py)

    def apply(self) -> None:
        """Install the limits in the current process (called in the child, pre-exec)."""
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (self.processes, self.processes))
