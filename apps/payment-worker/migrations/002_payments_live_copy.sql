-- The one message copy (retry, park or dead letter) allowed to act for an unpaid order. It is
-- written in the same transaction as the payment row, after the copy was confirmed by the
-- broker; a copy whose id is not the recorded one is superseded and dropped uncharged.
ALTER TABLE payments ADD COLUMN IF NOT EXISTS live_copy uuid;
