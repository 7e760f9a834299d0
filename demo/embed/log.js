// Shows every tolem:* event that reaches the document (they bubble and are composed, so
// this sees widgets inside shadow roots too). Tests read #log; people read it as well.
const log = document.getElementById("log");
for (const name of ["ready", "method", "redirect", "placed", "status", "error"]) {
  document.addEventListener("tolem:" + name, (e) => {
    const li = document.createElement("li");
    li.textContent = `tolem:${name} ${JSON.stringify(e.detail)}`;
    li.dataset.event = name;
    log.append(li);
  });
}
