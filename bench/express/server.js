// A minimal Express 5 redirect server: codes from an in-memory map, nothing recorded.
// PORT and LINKS_FILE (a JSON object code -> url) come from the environment.
const fs = require("fs");
const express = require("express");

const links = new Map(Object.entries(JSON.parse(fs.readFileSync(process.env.LINKS_FILE, "utf8"))));
const app = express();
app.disable("x-powered-by");
app.set("etag", false);

app.get("/:code", (req, res) => {
  const url = links.get(req.params.code);
  if (url === undefined) {
    res.status(404).json({ detail: "No link has this code." });
    return;
  }
  res.set("Cache-Control", "no-store");
  res.redirect(302, url);
});

app.get("/", (req, res) => res.send("ok"));

app.listen(Number(process.env.PORT), "127.0.0.1");
