// "Link this answer": copy a Markdown link to the answer, ready to paste into the forum.
document$.subscribe(({ body }) => {
  for (const button of body.querySelectorAll("button.oh-copy-link")) {
    button.addEventListener("click", async () => {
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = "Copied: paste it into your post";
      } catch {
        window.prompt("Copy this link:", button.dataset.copy);
      }
      setTimeout(() => { button.textContent = label; }, 2500);
    });
  }
});

// The claims box is one line until opened; an address naming a claim (#claim-<id>) opens it.
function openNamedClaim() {
  const target = location.hash.startsWith("#claim-") && document.getElementById(location.hash.slice(1));
  const box = target && target.closest("details");
  if (box) { box.open = true; target.scrollIntoView(); }
}
document$.subscribe(openNamedClaim);
window.addEventListener("hashchange", openNamedClaim);
