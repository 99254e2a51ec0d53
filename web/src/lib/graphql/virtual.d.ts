/** The trusted documents' subscriptions, {documentId: text} (scripts/vite-documents.ts). */
declare module "virtual:subscription-texts" {
  const texts: Record<string, string>;
  export default texts;
}
