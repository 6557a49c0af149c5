-- A paired device has a role, chosen when its code is minted on a trusted screen: a handheld (staff) or a kiosk
-- (customer-facing; reaches only the kiosk page and the customer API). Devices paired before roles existed were
-- handhelds.
ALTER TABLE pairing_codes ADD COLUMN role TEXT NOT NULL DEFAULT 'handheld' CHECK (role IN ('handheld', 'kiosk'));
ALTER TABLE paired_devices ADD COLUMN role TEXT NOT NULL DEFAULT 'handheld' CHECK (role IN ('handheld', 'kiosk'));
