"""DuckDB baseline for `cargo xtask bench aggregate`.

Reads the respondent facts Salama exported (psu, stratum, weight, sex, age,
region, counted: 2 = in the denominator, 3 = also in the numerator) into an
in-memory table, then computes SDG 16.1.4 by sex x UN age band x region with
the same Taylor-linearised standard error (strata and PSUs, with
replacement), 30 times. Prints JSON: the median time and every cell.
"""

import json
import statistics
import sys
import time

import duckdb

QUERY = """
WITH units AS (
    SELECT psu, stratum, weight, sex, region,
        CASE WHEN age < 25 THEN 'under_25' WHEN age < 35 THEN '25-34'
             WHEN age < 45 THEN '35-44' WHEN age < 55 THEN '45-54'
             WHEN age < 65 THEN '55-64' ELSE '65+' END AS band,
        CASE WHEN counted >= 2 THEN weight ELSE 0 END AS x,
        CASE WHEN counted = 3 THEN weight ELSE 0 END AS y
    FROM facts WHERE counted > 0
),
strata AS (
    SELECT stratum, COUNT(DISTINCT psu) AS n_h FROM facts GROUP BY stratum
),
cells AS (
    SELECT sex, band, region, COUNT(*) FILTER (WHERE x > 0) AS n,
        SUM(y) AS y, SUM(x) AS x, SUM(y) / SUM(x) AS r
    FROM units GROUP BY sex, band, region
),
psus AS (
    SELECT u.sex, u.band, u.region, u.stratum, u.psu,
        (SUM(u.y) - c.r * SUM(u.x)) / c.x AS z
    FROM units u JOIN cells c USING (sex, band, region)
    GROUP BY u.sex, u.band, u.region, u.stratum, u.psu, c.r, c.x
),
by_stratum AS (
    SELECT p.sex, p.band, p.region, s.n_h, SUM(p.z) AS sz, SUM(p.z * p.z) AS szz
    FROM psus p JOIN strata s USING (stratum)
    GROUP BY p.sex, p.band, p.region, p.stratum, s.n_h
)
SELECT c.sex, c.band, c.region, c.n, c.r AS estimate,
    SQRT(SUM(CASE WHEN b.n_h > 1
        THEN b.n_h / (b.n_h - 1.0) * GREATEST(b.szz - b.sz * b.sz / b.n_h, 0) ELSE 0 END)) AS se
FROM cells c JOIN by_stratum b USING (sex, band, region)
GROUP BY c.sex, c.band, c.region, c.n, c.r
ORDER BY c.sex, c.band, c.region
"""


def main():
    path = sys.argv[1]
    connection = duckdb.connect()
    start = time.perf_counter()
    connection.execute(
        "CREATE TABLE facts AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'psu': 'VARCHAR', 'stratum': 'VARCHAR', 'weight': 'DOUBLE', "
        "'sex': 'VARCHAR', 'age': 'INTEGER', 'region': 'VARCHAR', 'counted': 'INTEGER'})",
        [path],
    )
    load_seconds = time.perf_counter() - start
    timings = []
    rows = None
    for _ in range(30):
        start = time.perf_counter()
        rows = connection.execute(QUERY).fetchall()
        timings.append((time.perf_counter() - start) * 1000)
    cells = [
        {"sex": sex, "band": band, "region": region, "n": n, "estimate": estimate, "se": se}
        for sex, band, region, n, estimate, se in rows
    ]
    print(json.dumps({
        "version": duckdb.__version__,
        "load_seconds": load_seconds,
        "p50_ms": statistics.median(timings),
        "cells": cells,
    }))


main()
