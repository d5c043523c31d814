/** The shop's profiles and its newsletter sign-up (the merchant's own page: opt-in happens there). */
export function Social({social}) {
  return (
    <s-stack gap="small-300">
      <s-heading>{social.title}</s-heading>
      {social.links.length > 0 && (
        <s-stack direction="inline" gap="base">
          {social.links.map((link) => <s-link key={link.network} href={link.url} target="_blank">{link.name}</s-link>)}
        </s-stack>
      )}
      {social.newsletter && <s-button href={social.newsletter.url} target="_blank">{social.newsletter.cta}</s-button>}
    </s-stack>
  );
}
