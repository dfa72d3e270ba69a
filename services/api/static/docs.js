// Renders /openapi.json as a readable page: operations by tag, then every schema.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function refName(schema) {
  return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
}

function schemaText(schema) {
  const name = refName(schema);
  if (name) return el("a", { href: `#schema-${name}`, text: name });
  return el("code", { text: JSON.stringify(schema) });
}

function operationBlock(path, method, op) {
  const id = `op-${op.operationId}`;
  const block = el("section", { id, "aria-labelledby": `${id}-title` });
  const title = el("h2", { id: `${id}-title` },
    el("code", { text: `${method.toUpperCase()} ${path}` }), ` — ${op.summary || ""}`);
  if (op.security) title.append(el("span", { class: "pill", text: " token" }));
  block.append(title);
  if (op.parameters && op.parameters.length) {
    const rows = op.parameters.map((p) => el("tr", {},
      el("td", {}, el("code", { text: p.name })), el("td", { text: p.in }),
      el("td", { text: p.required ? "yes" : "no" }), el("td", {}, schemaText(p.schema)),
      el("td", { text: p.description || "" })));
    block.append(el("h3", { text: "Parameters" }), el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ...["name", "in", "required", "schema", "about"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...rows))));
  }
  if (op.requestBody) {
    const [type, media] = Object.entries(op.requestBody.content)[0];
    block.append(el("h3", { text: "Body" }), el("p", {}, el("code", { text: type }), " ", schemaText(media.schema)));
  }
  const answers = Object.entries(op.responses).map(([status, answer]) => {
    const [type, media] = Object.entries(answer.content || { "": { schema: {} } })[0];
    return el("tr", {}, el("td", { text: status }), el("td", { text: answer.description }),
      el("td", {}, el("code", { text: type }), " ", schemaText(media.schema)));
  });
  block.append(el("h3", { text: "Answers" }), el("div", { class: "scroll" }, el("table", {},
    el("tbody", {}, ...answers))));
  return block;
}

async function render() {
  const spec = await (await fetch("/openapi.json")).json();
  $("docs-title").textContent = `${spec.info.title} API ${spec.info.version}`;
  document.title = $("docs-title").textContent;
  const ops = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ path, method, op });
  }
  ops.sort((a, b) => (a.op.tags[0] || "").localeCompare(b.op.tags[0] || "") || a.path.localeCompare(b.path));
  for (const { path, method, op } of ops) {
    $("toc").append(el("li", {}, el("a", { href: `#op-${op.operationId}`,
      text: `${(op.tags[0] || "other")}: ${method.toUpperCase()} ${path}` })));
    $("operations").append(operationBlock(path, method, op));
  }
  for (const [name, schema] of Object.entries(spec.components.schemas).sort()) {
    $("schemas").append(el("h3", { id: `schema-${name}`, text: name }),
      el("pre", { class: "payload", text: JSON.stringify(schema, null, 2) }));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  render().catch((error) => { $("operations").textContent = `could not load the spec: ${error}`; });
});
