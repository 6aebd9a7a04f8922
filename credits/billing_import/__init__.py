"""The billing import (SPEC section 6): Partner Center daily rated usage files → `UsageRow`.

How a file goes through, module by module:

1. `upload`: `billing_import_create` stores the upload privately under MEDIA_ROOT/billing/
   (sha256 computed while streaming) and enqueues the import after commit. The CLI uses
   `run.billing_import_file`, which reads the file where it lies and runs the same code at once.
2. `run` and `lease`: `billing_import_run` claims the import with a conditional UPDATE
   (pending → running) and goes on only if it changed one row, so a Celery retry or a second
   worker does nothing. The claim gives the run an attempt number and a lease it renews while it
   makes progress: a dead worker's import is marked failed within minutes and staff can start it
   again. `unchanged`: a file whose content is already what UsageRow holds for every
   (month, partner) of it ends as "unchanged"; an earlier file uploaded again after a correction
   is imported.
3. `parser` (pure Python, no Django): the file is streamed line by line (a line longer than 1 MB
   stops it). A row of a reseller outside the league (or without Tier2MpnId) is counted and
   skipped before any other check; every other row is validated.
4. `writer`: the rows of league partners go, in batches, straight into UsageRow (COPY on
   PostgreSQL, executemany on SQLite), all in ONE transaction that is serialised per season. On
   PostgreSQL (outside a caller's transaction) that writer runs on a thread and connection of its
   own, so the database stores one batch while the next is parsed; progress and the lease go to
   the database over the run's connection. Memory does not grow with the file.
5. `report`: any bad row and the transaction rolls back, nothing is stored; the import ends
   "failed" with the first 100 errors (line, column, value, reason) and the count. A header that
   is not a usage file's, an empty file or `MAX_ERRORS_COUNTED` errors stop reading early.
6. Otherwise, before the commit, set-based (`writer`): delete what earlier files stored for every
   (month, partner) of this one, record which import holds them now, the billed months and the
   unclassified meter categories, and mark the import "succeeded" — conditional on the run's
   attempt, so a run given up meanwhile rolls back instead. The credit computation is enqueued
   after commit.

The staff pages read the imports through `credits.selectors.billing`; the service-group mapping
is written by `credits.services`.
"""
