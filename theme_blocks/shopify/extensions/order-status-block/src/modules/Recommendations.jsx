/** Products bought together with this order's: a title and a link each. */
export function Recommendations({view}) {
  return (
    <s-stack gap="small-500">
      <s-heading>{view.title}</s-heading>
      {view.items.map((item) => <s-link key={item.id} href={item.url} target="_blank">{item.title}</s-link>)}
    </s-stack>
  );
}
