//! What SQLite and PostgreSQL spell differently. Every other statement is
//! one text for both.

#[derive(Debug)]
pub(super) struct Dialect {
    /// As `Store::backend` reports it.
    pub name: &'static str,
    /// One fact row of `fact_units f` (with `design_clusters c` and
    /// `design_submission_weights w` joined) as one line of text: fields
    /// split by 0x1F, NULL as 0x18, a weight printed so it reads back the
    /// same `f64`.
    pub fact_line: &'static str,
    /// The `line`s of a page joined by 0x1E, in `seq` order.
    pub joined_lines: &'static str,
    /// The `body`s of a page of submissions as text joined by 0x1E, in
    /// `submission_id` order.
    pub joined_bodies: &'static str,
    /// Run first in a transaction that must read one snapshot throughout:
    /// PostgreSQL's default takes one per statement, while SQLite's read
    /// transactions in WAL mode see one snapshot already.
    pub snapshot: Option<&'static str>,
    /// Run first in a transaction that revokes a user: PostgreSQL counts the
    /// other admins in a snapshot of its own, so two admins revoking each
    /// other at once would both see one left; locking the active admins'
    /// rows makes the second wait and count again. SQLite has one writer
    /// at a time already.
    pub lock_admins: Option<&'static str>,
}

pub(super) const SQLITE: Dialect = Dialect {
    name: "sqlite",
    fact_line: "f.seq || char(31) || f.submission_id || char(31) || f.unit || char(31) || f.channel \
     || char(31) || f.completed_on || char(31) || COALESCE(f.enumerator_id, char(24)) \
     || char(31) || COALESCE(f.cluster_id, char(24)) || char(31) || COALESCE(c.stratum, char(24)) \
     || char(31) || CASE WHEN COALESCE(w.weight, c.weight) IS NULL THEN char(24) \
        ELSE printf('%!.17g', COALESCE(w.weight, c.weight)) END \
     || char(31) || COALESCE(f.sex, char(24)) || char(31) || COALESCE(CAST(f.age AS TEXT), char(24)) \
     || char(31) || COALESCE(f.area, char(24)) || char(31) || COALESCE(CAST(f.disability AS TEXT), char(24)) \
     || char(31) || COALESCE(f.displacement, char(24)) || char(31) || COALESCE(f.urban_rural, char(24)) \
     || char(31) || f.outcomes",
    // Ordered by the subquery it reads from.
    joined_lines: "group_concat(line, char(30))",
    joined_bodies: "group_concat(CAST(body AS TEXT), char(30))",
    snapshot: None,
    lock_admins: None,
};

pub(super) const POSTGRES: Dialect = Dialect {
    name: "postgres",
    fact_line: "concat_ws(chr(31), f.seq::text, f.submission_id, f.unit::text, f.channel, f.completed_on, \
     COALESCE(f.enumerator_id, chr(24)), COALESCE(f.cluster_id, chr(24)), COALESCE(c.stratum, chr(24)), \
     COALESCE(COALESCE(w.weight, c.weight)::text, chr(24)), COALESCE(f.sex, chr(24)), \
     COALESCE(f.age::text, chr(24)), COALESCE(f.area, chr(24)), COALESCE(f.disability::text, chr(24)), \
     COALESCE(f.displacement, chr(24)), COALESCE(f.urban_rural, chr(24)), f.outcomes)",
    joined_lines: "string_agg(line, chr(30) ORDER BY seq)",
    joined_bodies: "string_agg(convert_from(body, 'UTF8'), chr(30) ORDER BY submission_id)",
    snapshot: Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
    lock_admins: Some(
        "SELECT name FROM users WHERE role = 'admin' AND revoked_at IS NULL FOR UPDATE",
    ),
};
