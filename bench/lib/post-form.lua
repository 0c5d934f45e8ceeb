-- wrk script: every request is a POST of the same form body (BENCH_BODY), as
-- application/x-www-form-urlencoded; other headers (Authorization) come from wrk's -H.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
