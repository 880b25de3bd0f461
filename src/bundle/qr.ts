/**
 * The QR code of a bundle's manifest digest as a PNG saved in the bundle, so the operator on the
 * other side can compare without typing 64 hex characters.
 */

const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 2 };

export async function qrPng(text: string): Promise<Buffer> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toBuffer(text, { ...OPTIONS, type: 'png', scale: 8 });
}
