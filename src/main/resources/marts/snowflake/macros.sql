-- The expressions Snowflake writes its own way, called from models as {{ name(arguments) }}; $1, $2 stand
-- for the arguments (marts/duckdb/macros.sql defines the same names).

-- A string of the values joined by a separator, in order of the values.
-- name: string_agg_ordered
listagg($1, $2) within group (order by $1)

-- Calendar days from the first timestamp to the second (midnights crossed), NULL when either is NULL.
-- name: days_between
datediff('day', $1, $2)
