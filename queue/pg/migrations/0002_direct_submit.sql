-- Schema version 2: `tend submit` straight into the database while tendd is down (design
-- postgres.md §11, SPEC §9). A direct insert cannot prove the submitter's uid (tendd takes it
-- from SO_PEERCRED), so the role of direct submits may do one thing only: call
-- tend.submit_direct, which records 'direct:' || session_user and no uid, gid or groups. A root
-- tendd runs such jobs only as [daemon] direct_submit_user.

-- Roles belong to the cluster, not to this database: another database's migration may have
-- made it (or may be making it now: the advisory lock is per database). A migrating role
-- without CREATEROLE (tendd's, with queue_migrate = "auto") must not fail the upgrade: the
-- schema is still usable, and direct submits stay off until an administrator creates the role
-- and grants it what the end of this file grants (tend-state(5)).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tend_submit') THEN
    CREATE ROLE tend_submit NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN
    NULL;
  WHEN insufficient_privilege THEN
    RAISE WARNING 'tend: cannot create the role tend_submit (%): direct submits stay off until an administrator creates it and grants it USAGE ON SCHEMA tend and EXECUTE ON FUNCTION tend.submit_direct (tend-state(5))', SQLERRM;
END $$;

-- Functions are executable by PUBLIC by default. tend_submit needs USAGE on the schema to reach
-- its wrapper, and must not reach the other functions through it (tend.submit takes the uid
-- from its caller's JSON). Their owner, which tendd connects as, keeps EXECUTE.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tend FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA tend REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA tend FROM PUBLIC;

-- Submit a batch of jobs to one queue for the calling role. p_jobs: the same JSON array as
-- tend.submit, of which only argv, shell, cwd, key, name, priority, run_at, max_attempts,
-- timeout_us and after are read: uid, gid, groups and the submitter are never the caller's to
-- choose. A key is scoped by role ('direct:ROLE:KEY'), as tendd scopes keys by uid, so that one
-- role cannot deduplicate onto (and so learn the id of) another submitter's job. The
-- environment's hash is computed here: a caller-supplied hash could attach its variables to
-- another submitter's environment row. SECURITY DEFINER with a fixed search_path (pg_temp
-- last: a caller's temporary objects never shadow ours). Errors as tend.submit, plus TE065 for
-- a malformed job.
CREATE FUNCTION tend.submit_direct(p_queue text, p_jobs jsonb, p_env text[], p_token uuid)
RETURNS TABLE (job_id bigint, deduplicated boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tend, pg_temp AS $$
DECLARE j jsonb; v_clean jsonb := '[]'; v_by text := 'direct:' || session_user;
BEGIN
  IF p_queue IS NULL OR p_jobs IS NULL OR p_token IS NULL OR jsonb_typeof(p_jobs) <> 'array'
     OR jsonb_array_length(p_jobs) = 0 THEN
    RAISE EXCEPTION 'submit_direct: a queue, a non-empty array of jobs and a token are needed'
      USING ERRCODE = 'TE065';
  END IF;
  IF p_env IS NULL OR array_position(p_env, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'submit_direct: the environment must be an array of KEY=VALUE texts'
      USING ERRCODE = 'TE065';
  END IF;
  FOR j IN SELECT x FROM jsonb_array_elements(p_jobs) x LOOP
    IF jsonb_typeof(j) <> 'object' OR jsonb_typeof(j->'argv') IS DISTINCT FROM 'array'
       OR jsonb_array_length(j->'argv') = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(j->'argv') a WHERE jsonb_typeof(a) <> 'string')
       OR jsonb_typeof(j->'cwd') IS DISTINCT FROM 'string' OR left(j->>'cwd', 1) <> '/'
       OR (j ? 'key' AND jsonb_typeof(j->'key') NOT IN ('string', 'null')) THEN
      RAISE EXCEPTION 'submit_direct: a job needs argv (an array of texts) and an absolute cwd'
        USING ERRCODE = 'TE065';
    END IF;
    v_clean := v_clean || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
      'argv', j->'argv', 'shell', j->'shell', 'cwd', j->'cwd',
      'key', CASE WHEN jsonb_typeof(j->'key') = 'string' THEN to_jsonb(v_by || ':' || (j->>'key')) END,
      'name', j->'name', 'priority', j->'priority', 'run_at', j->'run_at',
      'max_attempts', j->'max_attempts', 'timeout_us', j->'timeout_us', 'after', j->'after')));
  END LOOP;
  RETURN QUERY SELECT s.job_id, s.deduplicated
    FROM tend.submit(p_queue, v_clean, p_env, sha256(convert_to(p_env::text, 'UTF8')), p_token, v_by) s;
END $$;

REVOKE ALL ON FUNCTION tend.submit_direct(text, jsonb, text[], uuid) FROM PUBLIC;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tend_submit') THEN
    GRANT USAGE ON SCHEMA tend TO tend_submit;
    GRANT EXECUTE ON FUNCTION tend.submit_direct(text, jsonb, text[], uuid) TO tend_submit;
  END IF;
END $$;
