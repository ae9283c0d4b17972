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
