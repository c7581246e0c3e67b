"""Work spread over several processes and machines through the store's PostgreSQL.

With a PostgreSQL store, ``digest worker`` processes (on any number of machines) take
jobs from a procrastinate queue kept in the same database: ingesting one source, building
a schedule's editions, sending one edition. ``digest schedule --workers`` is the one
schedule that decides what is due: one scheduler leads (a PostgreSQL advisory lock), the
others stand by and take over when it dies (:mod:`digest.schedule.leader`); each time a
schedule fires, the leader queues one ingest job per source, waits for them, then queues
the build (:mod:`digest.worker.rounds`). The send log stays what guarantees that nobody is
mailed twice. With SQLite, ``digest build`` and ``digest schedule`` do everything in one
process, as before.

- :mod:`digest.worker.queue`: the procrastinate app on the store's database, its schema.
- :mod:`digest.worker.tasks`: the tasks a worker runs.
- :mod:`digest.worker.rounds`: what the leading scheduler queues when a schedule fires.
"""
