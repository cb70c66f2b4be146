-- A user created with a one-time password (printed by `salama user create`
-- or on first start) is asked to choose their own before anything else in
-- the console. Users that exist already keep signing in as they do.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
