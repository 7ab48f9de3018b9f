// A minimal Express 5 + node-postgres resolver: the cache-miss path hop's redirect is
// measured against (make bench-redirect-miss). Every request reads links' own table with
// one prepared statement, then answers as redirect does: 404 unknown, 410 disabled or
// expired, else the link's redirect status and Location. Nothing is cached or recorded.
// PORT, DATABASE_URL (postgresql://...) and POOL_SIZE come from the environment.
const express = require("express");
const { Pool } = require("pg");

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE || 20),
});
const RESOLVE = {
  name: "resolve",
  text: "SELECT url, redirect_status, disabled, expires_at FROM links WHERE code = $1",
};
const app = express();
app.disable("x-powered-by");
app.set("etag", false);

app.get("/:code", async (req, res) => {
  const { rows } = await pool.query({ ...RESOLVE, values: [req.params.code] });
  const link = rows[0];
  if (link === undefined) {
    res.status(404).json({ detail: "No link has this code." });
  } else if (link.disabled || (link.expires_at !== null && link.expires_at <= new Date())) {
    res.status(410).json({ detail: "This link is gone." });
  } else {
    res.set("Cache-Control", "no-store");
    res.redirect(link.redirect_status, link.url);
  }
});

app.get("/", (req, res) => res.send("ok"));

app.listen(Number(process.env.PORT), "127.0.0.1");
