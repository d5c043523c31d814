/** The merchant's banner; its discount code (sent only after delivery) can be copied. */
export function Banner({banner, t}) {
  return (
    <s-stack gap="small-300">
      {banner.title && <s-heading>{banner.title}</s-heading>}
      {banner.lines.map((line, n) => <s-paragraph key={n} lang={banner.lang ?? undefined}>{line}</s-paragraph>)}
      {banner.code && (
        <s-stack direction="inline" gap="small-300" alignItems="center">
          <s-text>{banner.codeLabel}: <s-text type="strong">{banner.code}</s-text></s-text>
          <s-clipboard-item id="aftersales-code" text={banner.code} />
          <s-button variant="secondary" command="--copy" commandFor="aftersales-code">{t('copyCode')}</s-button>
        </s-stack>
      )}
      {banner.url && <s-button href={banner.url} target="_blank">{banner.cta}</s-button>}
    </s-stack>
  );
}
