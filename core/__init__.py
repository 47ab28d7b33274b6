"""Facts both sides of the house share: etl (the writer) and dashboard/exports (the readers) import
these small modules and nothing else from each other's side.

- core.policy: the policy facts (target, deadline, prefectures, milestones, roles, forms, models);
- core.store: the warehouse's identity (schema version, default paths, the sample marker);
- core.atomic: the one atomic file write (temp file beside the target, fsync, os.replace).
"""
