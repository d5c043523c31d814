/** The merchant's questions and answers, each a disclosure the buyer opens. */
export function Faq({faq}) {
  return (
    <s-stack gap="small-300">
      <s-heading>{faq.title}</s-heading>
      {faq.entries.map((entry) => (
        <s-details key={entry.id}>
          <s-summary>{entry.question}</s-summary>
          {entry.lines.map((line, n) => <s-paragraph key={n} lang={entry.lang ?? undefined}>{line}</s-paragraph>)}
        </s-details>
      ))}
    </s-stack>
  );
}
