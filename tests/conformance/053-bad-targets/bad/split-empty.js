pipeline($=>$.split(''))
