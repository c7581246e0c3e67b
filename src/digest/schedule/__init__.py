"""Scheduled editions: ``[[schedules]]`` in the settings, run by ``digest schedule``.

- :mod:`digest.schedule.cron`: cron expressions and shorthands to APScheduler triggers.
- :mod:`digest.schedule.policy`: which periods a run is due to build (misfire policies).
- :mod:`digest.schedule.state`: the last period done per schedule, and edition locks.
- :mod:`digest.schedule.runner`: one run of a schedule: lock, build, publish, record.
- :mod:`digest.schedule.daemon`: the long-running APScheduler process.

This package imports nothing from :mod:`digest.config` at import time, so the settings
can validate cron expressions with :mod:`digest.schedule.cron`.
"""
